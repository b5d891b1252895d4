"""The worker: runs every registered periodic job at its interval until told to stop.

Areas register jobs in their AppConfig.ready() by appending ``(name, interval_seconds,
callable)`` to :data:`periodic_jobs`; the callable takes no arguments. One job failing is
logged and retried at its next turn; it never stops the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections

from harbour.paths import spool_dir

log = logging.getLogger(__name__)

Job = tuple[str, float, Callable[[], object]]
periodic_jobs: list[Job] = []

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


def register_job(name: str, interval: float, job: Callable[[], object]) -> None:
    """Add a periodic job once (registering a name again is ignored)."""
    if all(existing[0] != name for existing in periodic_jobs):
        periodic_jobs.append((name, interval, job))


register_job("events-ingest", INGEST_EVERY_S, ingest_job)
register_job("events-prune-progress", PRUNE_EVERY_S, prune_progress_job)


def run_worker(stop: threading.Event, once: bool = False) -> int:
    """Run due jobs until ``stop`` is set (or one round, with ``once``); return how many job
    runs failed. Each job's next run is scheduled from when its last one began."""
    due = {name: 0.0 for name, _, _ in periodic_jobs}
    failures = 0
    while not stop.is_set():
        for name, interval, job in list(periodic_jobs):
            if stop.is_set():
                break
            now = time.monotonic()
            if now < due.get(name, 0.0):
                continue
            due[name] = now + interval
            close_old_connections()
            try:
                job()
            except Exception:  # one broken job must not stop ingest or alert delivery
                failures += 1
                log.exception("worker job %s failed; it will run again in %.0f s", name, interval)
        if once:
            break
        upcoming = min(due.values(), default=time.monotonic() + 1.0)
        stop.wait(max(0.05, min(1.0, upcoming - time.monotonic())))
    return failures
