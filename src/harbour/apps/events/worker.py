"""The worker: runs every registered periodic job at its interval until told to stop.

Areas register jobs in their AppConfig.ready() with :func:`register_job`, which appends
``(name, interval_seconds, callable)`` to :data:`periodic_jobs`; the callable takes no
arguments. One job failing is logged and retried at its next turn; it never stops the others.

Jobs are shared (they work on the database: one run per turn for the whole school) unless
registered ``local`` (they work on this machine: ingesting its spool). With a job queue
(``HARBOUR_QUEUE_URL``, see :mod:`harbour.apps.events.jobqueue`) several workers on several
machines share the shared jobs: one claims each turn and queues it, any one runs it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections

from harbour.apps.events.jobqueue import JobQueue
from harbour.paths import spool_dir

log = logging.getLogger(__name__)

Job = tuple[str, float, Callable[[], object]]
periodic_jobs: list[Job] = []
local_jobs: set[str] = set()  # names of the jobs every machine runs for itself
TAKE_PER_ROUND = 20  # queued jobs run per round of the loop, so local jobs keep their turns

INGEST_EVERY_S = 2.0
INGEST_TURN_S = 5.0
PRUNE_EVERY_S = 3600.0


def ingest_job() -> object:
    """Load what the gateways have spooled since the last turn."""
    from harbour.apps.events.ingest import IngestBusy, ingest

    try:  # a backlog is loaded over several turns, so the other jobs keep running
        return ingest(spool_dir(), seconds=INGEST_TURN_S)
    except IngestBusy as exc:  # a manual 'harbour events ingest' is running: fine, skip a turn
        log.info("%s", exc)
        return None


def prune_progress_job() -> object:
    """Forget the progress marks of spool segments long since stored and deleted."""
    from harbour.apps.events.ingest import IngestBusy, prune_progress

    try:
        return prune_progress(spool_dir())
    except IngestBusy:  # ingest holds the spool: prune at the next turn
        return None


def register_job(
    name: str, interval: float, job: Callable[[], object], *, local: bool = False
) -> None:
    """Add a periodic job once (registering a name again is ignored). ``local``: every
    machine runs it for itself, even when workers share a queue."""
    if all(existing[0] != name for existing in periodic_jobs):
        periodic_jobs.append((name, interval, job))
        if local:
            local_jobs.add(name)


register_job("events-ingest", INGEST_EVERY_S, ingest_job, local=True)
register_job("events-prune-progress", PRUNE_EVERY_S, prune_progress_job, local=True)


def run_worker(stop: threading.Event, once: bool = False, queue: JobQueue | None = None) -> int:
    """Run due jobs until ``stop`` is set (or one round, with ``once``); return how many job
    runs failed. Each job's next run is scheduled from when its last one began. With
    ``queue``, a due shared job runs only if this worker claims its turn, and then through the
    queue, where any worker may take it."""
    due = {name: 0.0 for name, _, _ in periodic_jobs}
    failures = 0
    while not stop.is_set():
        jobs = {name: job for name, _, job in periodic_jobs}
        for name, interval, job in list(periodic_jobs):
            if stop.is_set():
                break
            now = time.monotonic()
            if now < due.get(name, 0.0):
                continue
            due[name] = now + interval
            if queue is None or name in local_jobs:
                failures += _run(name, job, interval)
            elif queue.claim(name, int(time.time() // interval), interval):
                queue.put(name)
        if queue is not None:
            failures += _run_queued(queue, jobs, stop)
        if once:
            break
        upcoming = min(due.values(), default=time.monotonic() + 1.0)
        stop.wait(max(0.05, min(1.0, upcoming - time.monotonic())))
    return failures


def _run_queued(
    queue: JobQueue, jobs: dict[str, Callable[[], object]], stop: threading.Event
) -> int:
    """Run jobs waiting in the queue (a few a round); returns how many failed."""
    failures = 0
    for _ in range(TAKE_PER_ROUND):
        if stop.is_set() or (name := queue.take()) is None:
            break
        job = jobs.get(name)
        if job is None:  # queued by a worker of another version: not ours to run
            log.warning("queued job %s is not registered here; dropped", name)
        else:
            failures += _run(name, job, 0.0)
        queue.done()
    return failures


def _run(name: str, job: Callable[[], object], interval: float) -> int:
    """Run one job; 1 if it failed (logged), else 0."""
    close_old_connections()
    try:
        job()
    except Exception:  # one broken job must not stop ingest or alert delivery
        log.exception("worker job %s failed; it will run again at its next turn", name)
        return 1
    return 0
