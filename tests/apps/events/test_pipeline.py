"""The ingester's concurrency: read ahead, store side by side, finish in order."""

from __future__ import annotations

import threading
import time

import pytest

from harbour.apps.events.pipeline import EarlierItemFailed, InOrder, read_ahead


def test_read_ahead_yields_every_item_in_order() -> None:
    with read_ahead(iter(range(50)), depth=2) as items:
        assert list(items) == list(range(50))


def test_a_failure_while_reading_ahead_reaches_the_consumer_after_the_items_before_it() -> None:
    def source():
        yield 1
        yield 2
        raise OSError("disk gone")

    seen = []
    with pytest.raises(OSError, match="disk gone"), read_ahead(source(), depth=1) as items:
        for item in items:
            seen.append(item)
    assert seen == [1, 2]


def test_a_consumer_that_stops_early_does_not_wait_for_the_rest() -> None:
    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    with read_ahead(endless(), depth=2) as items:
        assert next(items) == 0
    assert len(produced) <= 5  # the producer stopped a few items ahead, not forever


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_items_finish_in_the_order_they_were_submitted_even_when_later_work_is_quicker(
    workers: int,
) -> None:
    finished: list[int] = []
    lock = threading.Lock()

    def work(item: int, wait_turn) -> int:
        time.sleep(0.02 if item % 2 == 0 else 0)  # even items take longer
        wait_turn()
        with lock:
            finished.append(item)
        return item * 10

    pool = InOrder(work, workers)
    results = []
    for item in range(12):
        results += pool.submit(item)
    results += pool.drain()
    pool.close()
    assert finished == list(range(12))
    assert results == [item * 10 for item in range(12)]


def test_items_after_a_failure_are_not_completed_and_the_first_failure_is_raised() -> None:
    completed: list[int] = []

    def work(item: int, wait_turn) -> int:
        wait_turn()
        if item == 3:
            raise ValueError("batch 3 refused")
        completed.append(item)
        return item

    pool = InOrder(work, workers=2)
    with pytest.raises(ValueError, match="batch 3 refused"):
        for item in range(8):
            pool.submit(item)
        pool.drain()
    pool.close()
    assert completed == [0, 1, 2]


def test_each_worker_runs_its_exit_step_when_closed() -> None:
    exits: list[str] = []
    pool = InOrder(lambda item, wait_turn: item, workers=3, on_exit=lambda: exits.append("x"))
    pool.submit(1)
    pool.drain()
    pool.close()
    assert exits == ["x", "x", "x"]


def test_an_item_waiting_its_turn_learns_that_an_earlier_one_failed() -> None:
    outcomes: dict[int, str] = {}

    def work(item: int, wait_turn) -> int:
        if item == 0:
            time.sleep(0.05)
            raise RuntimeError("first failed")
        try:
            wait_turn()
        except EarlierItemFailed:
            outcomes[item] = "stopped"
            raise
        return item

    pool = InOrder(work, workers=2)
    with pytest.raises(RuntimeError):
        pool.submit(0)
        pool.submit(1)
        pool.drain()
    pool.close()
    assert outcomes == {1: "stopped"}
