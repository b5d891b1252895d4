"""Ingest outside a transaction, as the worker and `harbour events ingest` run it: on
PostgreSQL the batches are stored on several connections side by side, yet commit in spool
order, so a failure never lets a later batch move the spool's progress past an earlier one."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from harbour.apps.events import ingest as ingest_module
from harbour.apps.events.ingest import ingest
from harbour.apps.events.models import DecisionEvent, SpoolProgress
from harbour.events.spool import SpoolReader
from tests.apps.events.test_ingest import event, spool_with

pytestmark = pytest.mark.django_db(transaction=True)


def stored_users() -> list[str]:
    """Users of the stored events, sorted (side by side, row ids need not follow the spool)."""
    return sorted(DecisionEvent.objects.values_list("user", flat=True))


def test_many_batches_are_stored_once_each_in_spool_order(tmp_path) -> None:
    spool = spool_with(tmp_path, [event(i) for i in range(60)])
    result = ingest(spool, batch_size=4)
    assert (result.stored, result.batches) == (60, 15)
    assert sorted(stored_users()) == sorted(f"pupil{i}" for i in range(60))
    assert SpoolReader(spool).pending_bytes() == 0
    assert SpoolProgress.objects.get().position > 0


def test_a_batch_that_fails_stops_every_later_batch_and_the_next_run_stores_the_rest_once(
    tmp_path, monkeypatch
) -> None:
    calls = {"n": 0}

    def fails_on_the_fifth_batch(rows) -> None:
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("classifier down")

    monkeypatch.setattr(ingest_module, "ingest_hooks", [fails_on_the_fifth_batch])
    spool = spool_with(tmp_path, [event(i) for i in range(40)])
    with pytest.raises(RuntimeError, match="classifier down"):
        ingest(spool, batch_size=4)
    # Batches commit in order: the four before the failure, and not one after it.
    assert stored_users() == sorted(f"pupil{i}" for i in range(16))
    monkeypatch.setattr(ingest_module, "ingest_hooks", [])
    assert ingest(spool, batch_size=4).stored == 24
    assert sorted(stored_users()) == sorted(f"pupil{i}" for i in range(40))


def test_the_storing_connections_are_closed_when_the_run_ends(tmp_path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite stores on the caller's connection")

    def others() -> int:  # connections to this database besides this test's own
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0]

    before = others()  # an earlier test may have left one of its own
    ingest(spool_with(tmp_path, [event(i) for i in range(20)]), batch_size=4)
    deadline = time.monotonic() + 10  # a closed connection's server process ends just after
    while others() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert others() == before
