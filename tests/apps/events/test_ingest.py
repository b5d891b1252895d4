"""Loading the decision-event spool into the database: every event once, never lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from harbour.apps.events import ingest as ingest_module
from harbour.apps.events.ingest import IngestBusy, ingest, spool_lock, store_batch
from harbour.apps.events.models import DecisionEvent, SpoolReject
from harbour.events.spool import SpoolReader, SpoolWriter

MOMENT = datetime(2026, 11, 24, 10, 15, tzinfo=UTC)


def event(index: int, **changes: object) -> dict[str, object]:
    """A decision event as a gateway spools it."""
    data: dict[str, object] = {
        "time": (MOMENT + timedelta(seconds=index)).isoformat(),
        "device": "LAPTOP-07",
        "ip": "10.10.3.7",
        "user": f"pupil{index}",
        "group": "pupils-ks2",
        "url": f"https://games.example.com/play?q=race{index}",
        "host": "games.example.com",
        "search_terms": ["race"],
        "categories": ["games", "chat"],
        "action": "block",
        "activity": "online-gaming",
        "level": "unacceptable",
        "reason_code": "policy",
        "rule": "activities.online-gaming:pupils",
        "source": "proxy",
        "policy_version": "abc123",
    }
    data.update(changes)
    return data


def spool_with(path: Path, events: list[dict[str, object]], rotate_bytes: int = 64 << 20) -> Path:
    with SpoolWriter(path, background=False, rotate_bytes=rotate_bytes) as writer:
        for item in events:
            writer.append(item)
            writer.flush() if rotate_bytes < 4096 else None
    return path


def test_every_spooled_event_is_stored_once_with_the_dfe_fields(db, tmp_path) -> None:
    spool = spool_with(tmp_path, [event(i) for i in range(25)])
    result = ingest(spool, batch_size=10)
    assert (result.stored, result.batches) == (25, 3)
    row = DecisionEvent.objects.get(user="pupil3")
    assert row.time == MOMENT + timedelta(seconds=3)
    assert (row.device, row.ip, row.group, row.source) == (
        "LAPTOP-07",
        "10.10.3.7",
        "pupils-ks2",
        "proxy",
    )
    assert (row.url, row.host, row.search_terms) == (
        "https://games.example.com/play?q=race3",
        "games.example.com",
        "race",
    )
    assert (row.category, row.categories, row.action) == ("games", ["games", "chat"], "block")
    assert (row.activity, row.rule, row.policy_version) == (
        "online-gaming",
        "activities.online-gaming:pupils",
        "abc123",
    )
    assert ingest(spool).stored == 0
    assert DecisionEvent.objects.count() == 25
    assert SpoolReader(spool).pending_bytes() == 0


def test_a_batch_stored_but_not_acknowledged_is_not_stored_again(db, tmp_path) -> None:
    spool = spool_with(tmp_path, [event(i) for i in range(12)])
    batch_id, events = next(SpoolReader(spool).batches(8))
    store_batch(events)  # the crash: committed, never acknowledged
    result = ingest(spool, batch_size=8)
    assert result.stored == 4
    assert DecisionEvent.objects.count() == 12
    assert DecisionEvent.objects.values("spool_id").distinct().count() == 12


def test_unreadable_lines_are_kept_as_rejects_and_the_rest_still_load(db, tmp_path) -> None:
    spool = spool_with(tmp_path, [event(0), event(1, action="maybe"), event(2, time="yesterday")])
    name = next(p for p in tmp_path.iterdir() if p.name.endswith(".jsonl"))
    with open(name, "ab") as handle:
        handle.write(b"{not json\n")
    result = ingest(spool)
    assert (result.stored, result.rejected) == (1, 3)
    errors = sorted(SpoolReject.objects.values_list("error", flat=True))
    assert any("maybe" in e for e in errors) and any("yesterday" in e for e in errors)
    assert SpoolReject.objects.filter(raw="{not json").exists()


def test_hooks_receive_exactly_the_rows_each_batch_stored(db, tmp_path, monkeypatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(
        ingest_module, "ingest_hooks", [lambda rows: seen.append([r.user for r in rows])]
    )
    spool = spool_with(tmp_path, [event(i) for i in range(5)])
    ingest(spool, batch_size=3)
    assert seen == [["pupil0", "pupil1", "pupil2"], ["pupil3", "pupil4"]]
    assert all(isinstance(r.pk, int) for r in DecisionEvent.objects.all())


def test_a_failing_hook_leaves_its_batch_in_the_spool_for_the_next_run(
    db, tmp_path, monkeypatch
) -> None:
    def broken(rows: list[DecisionEvent]) -> None:
        raise RuntimeError("classifier down")

    monkeypatch.setattr(ingest_module, "ingest_hooks", [broken])
    spool = spool_with(tmp_path, [event(i) for i in range(4)])
    with pytest.raises(RuntimeError):
        ingest(spool)
    assert DecisionEvent.objects.count() == 0
    monkeypatch.setattr(ingest_module, "ingest_hooks", [])
    assert ingest(spool).stored == 4


def test_only_one_ingester_loads_a_spool_at_a_time(db, tmp_path) -> None:
    spool = spool_with(tmp_path, [event(0)])
    with spool_lock(spool), pytest.raises(IngestBusy):
        ingest(spool)
    assert ingest(spool).stored == 1


def test_the_ingest_command_refuses_a_batch_size_below_one(capsys) -> None:
    from harbour.cli import main

    assert main(["events", "ingest", "--once", "--batch", "0"]) == 2
    assert "--batch must be at least 1" in capsys.readouterr().err


def test_the_status_command_reports_waiting_bytes_and_stored_events(
    db, tmp_path, monkeypatch, capsys
) -> None:
    from harbour.cli import main

    monkeypatch.setenv("HARBOUR_DATA_DIR", str(tmp_path))
    ingest(spool_with(tmp_path / "spool", [event(i) for i in range(3)]))
    spool_with(tmp_path / "spool", [event(9)])
    assert main(["events", "status"]) == 0
    out = capsys.readouterr().out
    assert "stored events: 3" in out and "0 bytes waiting" not in out


def test_over_long_fields_and_nul_characters_do_not_stop_a_batch(db, tmp_path) -> None:
    odd = event(
        1, host="a" * 300 + ".example.com", url="http://x.example.com/\x00page", rule="r" * 500
    )
    result = ingest(spool_with(tmp_path, [event(0), odd, event(2)]))
    assert result.stored == 3
    row = DecisionEvent.objects.get(user="pupil1")
    assert len(row.host) == 255 and row.url == "http://x.example.com/page" and len(row.rule) == 160


def test_a_time_bounded_turn_leaves_the_rest_of_a_backlog_for_the_next(db, tmp_path) -> None:
    spool = spool_with(tmp_path, [event(i) for i in range(9)])
    assert ingest(spool, batch_size=3, seconds=0).stored == 3
    assert ingest(spool, batch_size=3).stored == 6


def test_a_spool_that_cannot_be_read_stops_the_run_with_its_error_and_stores_nothing_more(
    db, tmp_path, monkeypatch
) -> None:
    spool = spool_with(tmp_path / "spool", [event(i) for i in range(9)])
    real_batches = SpoolReader.batches

    def failing_after_one(self, max_events=1000):  # the disk fails after the first batch
        batches = real_batches(self, max_events)
        yield next(batches)
        raise OSError("spool disk unreadable")

    monkeypatch.setattr(SpoolReader, "batches", failing_after_one)
    with pytest.raises(OSError, match="spool disk unreadable"):
        ingest(spool, batch_size=3)
    assert DecisionEvent.objects.count() == 3
    monkeypatch.undo()
    assert ingest(spool, batch_size=3).stored == 6
    assert DecisionEvent.objects.count() == 9
