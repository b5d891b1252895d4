"""Concurrency for the ingester: the next batches are read while one is stored, and on
PostgreSQL several batches are stored side by side on their own connections while they still
commit one after another, in spool order.

Why threads help a Python loader: the database does most of its work without the GIL (SQLite's
C code, the PostgreSQL server in its own process and its own disk waits), so a thread that
parses the next batch, or a second connection whose server process inserts another batch,
uses time the loader would otherwise spend waiting.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
_END = object()


@contextmanager
def read_ahead(source: Iterable[Item], depth: int) -> Iterator[Iterator[Item]]:
    """``source``'s items, produced by a second thread up to ``depth`` ahead of the consumer.
    An exception in ``source`` reaches the consumer at the item it would have been; items
    produced and not consumed when the consumer leaves are dropped."""
    ahead: queue.Queue[Any] = queue.Queue(maxsize=depth)
    leaving = threading.Event()

    def offer(item: Any) -> bool:
        while not leaving.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in source:
                if not offer(item):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            offer(exc)
        offer(_END)

    def consume() -> Iterator[Item]:
        while (item := ahead.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item

    thread = threading.Thread(target=produce, name="harbour-read-ahead", daemon=True)
    thread.start()
    try:
        yield consume()
    finally:
        leaving.set()
        thread.join()


class EarlierItemFailed(Exception):
    """An item before this one failed, so this one must not complete after it."""


class _Turn:
    """Done once its item's work has finished; ``failed`` if that work raised."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.failed = False


class InOrder(Generic[Item, Result]):
    """Runs ``work(item, wait_turn)`` for each submitted item on ``workers`` threads (with one
    worker, in the caller's thread). ``wait_turn()`` returns once the work of every earlier
    item has finished, and raises :class:`EarlierItemFailed` if one failed: the work does what
    may overlap first, then waits its turn for what must happen in order (a commit).
    ``on_exit`` runs in each worker thread as it ends (closing its database connection)."""

    def __init__(
        self,
        work: Callable[[Item, Callable[[], None]], Result],
        workers: int = 1,
        on_exit: Callable[[], None] = lambda: None,
    ) -> None:
        self._work = work
        self._workers = max(1, workers)
        self._on_exit = on_exit
        self._previous = _Turn()
        self._previous.done.set()
        self._pending: deque[Future[Result]] = deque()
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._serve, name=f"harbour-in-order-{n}", daemon=True)
            for n in range(self._workers if self._workers > 1 else 0)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, item: Item) -> list[Result]:
        """Queue ``item``; returns the results of items finished meanwhile, in order, waiting
        when as many items as workers are in hand. Raises the first failure."""
        previous, mine = self._previous, _Turn()
        self._previous = mine
        future: Future[Result] = Future()
        self._pending.append(future)
        job = (item, previous, mine, future)
        if self._threads:
            self._jobs.put(job)
        else:
            self._run(*job)
        finished = []
        while self._pending and (len(self._pending) > self._workers or self._pending[0].done()):
            finished.append(self._pending.popleft().result())
        return finished

    def drain(self) -> list[Result]:
        """Wait for every item in hand; their results in order. Raises the first failure once
        all have finished."""
        results, failure = [], None
        while self._pending:
            try:
                results.append(self._pending.popleft().result())
            except BaseException as exc:
                failure = failure or exc
        if failure is not None:
            raise failure
        return results

    def close(self) -> None:
        """Let the items in hand finish (their results and failures are dropped: call
        :meth:`drain` first to have them) and stop the workers."""
        for future in self._pending:
            future.exception()  # waits; a failure here was already raised or is moot
        self._pending.clear()
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()

    def _serve(self) -> None:
        try:
            while (job := self._jobs.get()) is not None:
                self._run(*job)
        finally:
            self._on_exit()

    def _run(self, item: Item, previous: _Turn, mine: _Turn, future: Future[Result]) -> None:
        def wait_turn() -> None:
            previous.done.wait()
            if previous.failed:
                raise EarlierItemFailed("an earlier item failed")

        try:
            future.set_result(self._work(item, wait_turn))
        except BaseException as exc:
            mine.failed = True
            future.set_exception(exc)
        finally:
            mine.done.set()
