"""How ingest turns spool events into rows: the column-wise fast path, the progress ledger
that makes a replay store nothing twice, and the values ingest hooks receive."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta, timezone

from django.apps import apps

from harbour.apps.events import ingest as ingest_module
from harbour.apps.events.ingest import event_columns, event_values, ingest, store_batch
from harbour.apps.events.models import DecisionEvent, SpoolProgress
from harbour.events.spool import SpoolReader
from tests.apps.events.test_ingest import MOMENT, event, spool_with


def read_all(spool) -> list[dict[str, object]]:
    return [e for _, batch in SpoolReader(spool).batches(10_000) for e in batch]


def test_the_column_wise_path_gives_the_values_of_the_event_by_event_path(tmp_path) -> None:
    odd_but_valid = event(
        1, activity=None, rule=None, categories=[], search_terms=[], user="x" * 200
    )
    events = read_all(spool_with(tmp_path, [event(0), odd_but_valid, event(2)]))
    columns, rejects = event_columns(events)
    assert rejects == []
    assert list(zip(*columns, strict=True)) == [event_values(e) for e in events]
    assert columns[10][1] == "x" * 150  # cut to the user column


def test_a_replay_with_other_batch_boundaries_stores_each_event_once(db, tmp_path) -> None:
    spool = spool_with(tmp_path, [event(i) for i in range(12)])
    _, first = next(SpoolReader(spool).batches(8))
    store_batch(first)  # committed, never acknowledged
    result = ingest(spool, batch_size=5)
    assert result.stored == 4
    assert sorted(DecisionEvent.objects.values_list("user", flat=True)) == sorted(
        f"pupil{i}" for i in range(12)
    )


def test_each_segment_records_how_far_it_is_stored(db, tmp_path) -> None:
    spool = spool_with(tmp_path, [event(i) for i in range(3)])
    events = read_all(spool)
    store_batch(events)
    segment, _, offset = str(events[-1]["id"]).rpartition("@")
    assert SpoolProgress.objects.get(segment=segment).position == int(offset) + 1
    assert store_batch(events).stored == 0


def test_a_time_with_an_offset_is_stored_as_the_same_instant(db, tmp_path) -> None:
    summer = timezone(timedelta(hours=1))
    moment = datetime(2026, 6, 1, 9, 30, 15, 250000, tzinfo=summer)
    ingest(spool_with(tmp_path, [event(0, time=moment.isoformat()), event(1)]))
    assert DecisionEvent.objects.get(user="pupil0").time == moment
    assert DecisionEvent.objects.get(user="pupil1").time == MOMENT + timedelta(seconds=1)


def test_hooks_receive_the_stored_values_with_their_row_ids(db, tmp_path, monkeypatch) -> None:
    seen: list[object] = []
    monkeypatch.setattr(ingest_module, "ingest_hooks", [seen.extend])
    ingest(spool_with(tmp_path, [event(i) for i in range(3)]))
    rows = {row.pk: row for row in DecisionEvent.objects.all()}
    assert len(seen) == 3
    for stored in seen:
        row = rows[stored.pk]
        assert (stored.user, stored.time, stored.categories) == (row.user, row.time, row.categories)
        assert (stored.search_terms, stored.spool_id) == (row.search_terms, row.spool_id)


def test_hooks_get_the_right_row_ids_after_the_newest_rows_were_deleted(
    db, tmp_path, monkeypatch
) -> None:
    ingest(spool_with(tmp_path / "first", [event(i) for i in range(4)]))
    DecisionEvent.objects.filter(user__in=["pupil2", "pupil3"]).delete()  # ids are not reused
    seen: list[object] = []
    monkeypatch.setattr(ingest_module, "ingest_hooks", [seen.extend])
    ingest(spool_with(tmp_path / "second", [event(i) for i in range(10, 16)]))
    ids = dict(DecisionEvent.objects.values_list("spool_id", "id"))
    assert len(seen) == 6
    assert {stored.spool_id: stored.pk for stored in seen} == {
        stored.spool_id: ids[stored.spool_id] for stored in seen
    }


def test_a_locked_tier_block_raises_an_alert_through_the_alerts_hook(school, tmp_path) -> None:
    from harbour.apps.alerts.models import Alert

    locked = event(0, reason_code="locked", host="canary.example.net", rule="locked.iwf")
    ingest(spool_with(tmp_path, [locked, event(1, action="allow", reason_code="default")]))
    alert = Alert.objects.get()
    assert (alert.category, alert.severity, alert.username) == ("illegal", 5, "pupil0")


def test_the_upgrade_records_progress_from_events_already_stored(db) -> None:
    seed = importlib.import_module(
        "harbour.apps.events.migrations.0002_progress_ledger_fewer_indexes"
    ).seed_progress
    for spool_id in ("seg-a.jsonl@0", "seg-a.jsonl@412", "seg-b.jsonl@0"):
        DecisionEvent.objects.create(
            spool_id=spool_id, time=datetime.now(UTC), source="proxy", url="u", action="allow"
        )
    seed(apps, None)
    assert dict(SpoolProgress.objects.values_list("segment", "position")) == {
        "seg-a.jsonl": 413,
        "seg-b.jsonl": 1,
    }


def test_progress_marks_of_segments_stored_deleted_and_over_a_week_old_are_forgotten(
    db, tmp_path
) -> None:
    from harbour.apps.events.ingest import prune_progress

    now = MOMENT.timestamp()
    old, recent = int((now - 8 * 86400) * 1e9), int((now - 86400) * 1e9)
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / f"{old}-1-0.jsonl").write_text("")  # old, but still in the spool
    for name in (f"{old}-1-0.jsonl", f"{old}-2-0.jsonl", f"{recent}-3-0.jsonl", "odd.jsonl"):
        SpoolProgress.objects.create(segment=name, position=10)
    assert prune_progress(spool, now=now) == 1
    assert sorted(SpoolProgress.objects.values_list("segment", flat=True)) == sorted(
        [f"{old}-1-0.jsonl", f"{recent}-3-0.jsonl", "odd.jsonl"]
    )
