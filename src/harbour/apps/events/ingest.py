"""Load the decision-event spool into the database, in batches, exactly once.

Each batch is stored in one transaction and acknowledged to the spool only after the commit.
Every event carries its spool id (``segment@offset``), unique in the table: a batch that comes
back after a crash between commit and ack is recognised and stored once. One ingester runs at
a time (a lock file in the spool), so a replayed batch always starts with an id already stored.

``ingest_hooks`` run inside the batch's transaction with the rows just stored: what a hook
writes (alerts, say) commits or rolls back with the events, so a failing hook makes the batch
come back rather than losing its alerts.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Max

from harbour.apps.events.models import DecisionEvent, SpoolReject
from harbour.events.spool import SpoolReader

log = logging.getLogger(__name__)

# Callables receiving the list of DecisionEvent rows a batch stored (monitoring adds its
# classifier here). They run inside the batch's transaction.
IngestHook = Callable[[list[DecisionEvent]], None]
ingest_hooks: list[IngestHook] = []

BATCH_SIZE = 5000
LOCK_FILE = "ingest.lock"
_TEXT_FIELDS = (
    "device",
    "ip",
    "user",
    "group",
    "host",
    "activity",
    "level",
    "reason_code",
    "rule",
    "policy_version",
)


class IngestBusy(Exception):
    """Another ingester holds the spool."""


@dataclass
class IngestResult:
    """What one run stored: events, lines kept as rejects, and batches acknowledged."""

    stored: int = 0
    rejected: int = 0
    batches: int = 0

    def __iadd__(self, other: IngestResult) -> IngestResult:
        self.stored += other.stored
        self.rejected += other.rejected
        self.batches += other.batches
        return self


_ACTIONS = frozenset({"allow", "block"})
_SOURCES = frozenset({"proxy", "dns", "cli"})
_CATEGORY_JSON: dict[tuple[Any, ...], str] = {}
_TEXT_LIMITS = [(n, DecisionEvent._meta.get_field(n).max_length or 255) for n in _TEXT_FIELDS]
_CATEGORY_LIMIT = DecisionEvent._meta.get_field("category").max_length or 60
COLUMNS = (
    "spool_id",
    "time",
    "source",
    "url",
    "search_terms",
    "category",
    "categories",
    "action",
    *_TEXT_FIELDS,
)


def event_values(event: dict[str, Any]) -> tuple[Any, ...]:
    """One spool event as a row in :data:`COLUMNS` order (``time`` a timezone-aware datetime,
    ``categories`` JSON text); raises ValueError/KeyError/TypeError when a field is missing or
    has the wrong shape."""
    if "error" in event:
        raise ValueError(event["error"])
    get = event.get
    moment = datetime.fromisoformat(event["time"])
    action, source = event["action"], event["source"]
    if action not in _ACTIONS or source not in _SOURCES or moment.tzinfo is None:
        raise ValueError(
            f"action {action!r}, source {source!r} or time {event['time']!r} is not valid"
        )
    categories = tuple(get("categories") or ())
    encoded = _CATEGORY_JSON.get(categories)
    if encoded is None:  # few distinct category sets occur: encode each once
        if len(_CATEGORY_JSON) > 10_000:
            _CATEGORY_JSON.clear()
        encoded = _CATEGORY_JSON[categories] = json.dumps([str(c) for c in categories])
    # Over-long values are cut to the column (PostgreSQL would refuse the whole batch) and
    # NUL characters dropped (PostgreSQL text cannot hold them).
    return (
        event["id"],
        moment,
        source,
        str(event["url"]).replace("\0", ""),
        "\n".join(get("search_terms") or ()).replace("\0", ""),
        str(categories[0])[:_CATEGORY_LIMIT] if categories else "",
        encoded,
        action,
        *[str(get(name) or "").replace("\0", "")[:limit] for name, limit in _TEXT_LIMITS],
    )


def store_batch(events: list[dict[str, Any]]) -> IngestResult:
    """Store one batch in one transaction; events already stored are skipped."""
    rows: list[tuple[Any, ...]] = []
    rejects: list[SpoolReject] = []
    for event in events:
        try:
            rows.append(event_values(event))
        except (KeyError, TypeError, ValueError) as exc:
            raw = event.get("raw") or repr(event)
            rejects.append(SpoolReject(spool_id=event["id"], error=str(exc)[:300], raw=raw))
    with transaction.atomic():
        rows = _not_yet_stored(rows)
        before = DecisionEvent.objects.aggregate(top=Max("id"))["top"] or 0
        insert_rows(rows)
        SpoolReject.objects.bulk_create(rejects, ignore_conflicts=True)
        if ingest_hooks and rows:
            # The ingester is the table's only writer (it holds the spool lock), so the rows
            # above the previous top id are exactly the ones just stored.
            stored = list(DecisionEvent.objects.filter(id__gt=before).order_by("id"))
            for hook in ingest_hooks:
                hook(stored)
    return IngestResult(stored=len(rows), rejected=len(rejects), batches=1)


def insert_rows(rows: list[tuple[Any, ...]]) -> None:
    """Bulk insert rows in :data:`COLUMNS` order: COPY on PostgreSQL, one prepared
    ``executemany`` on SQLite (the ORM's per-field preparation is 10-20x slower)."""
    if not rows:
        return
    table = DecisionEvent._meta.db_table
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" * len(COLUMNS)) if connection.vendor == "sqlite" else None
        if marks is None:
            raise NotImplementedError(f"bulk insert for the {connection.vendor} database")
        utc = [(r[0], _sqlite_time(r[1]), *r[2:]) for r in rows]
        cursor.connection.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", utc)


def _sqlite_time(moment: datetime) -> str:
    # The text Django itself stores for an aware datetime on SQLite: naive UTC.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _not_yet_stored(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    # Batches start at the acknowledged position, so only a replay can hold stored ids, and
    # a replay starts with one: checking the first id keeps the usual case to one lookup.
    if not rows or not DecisionEvent.objects.filter(spool_id=rows[0][0]).exists():
        return rows
    ids = [r[0] for r in rows]
    seen: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        seen.update(
            DecisionEvent.objects.filter(spool_id__in=chunk).values_list("spool_id", flat=True)
        )
    return [r for r in rows if r[0] not in seen]


@contextmanager
def spool_lock(spool: Path) -> Iterator[None]:
    """Hold the spool's ingest lock; raises :class:`IngestBusy` if another ingester has it."""
    spool.mkdir(parents=True, exist_ok=True)
    fd = os.open(spool / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IngestBusy(f"another ingester is loading {spool}") from None
        yield
    finally:
        os.close(fd)


def ingest(
    spool: Path,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
    stop: threading.Event | None = None,
    seconds: float | None = None,
) -> IngestResult:
    """Load everything complete in ``spool`` (or ``max_batches`` batches, or for about
    ``seconds``); ack after each commit. ``stop`` ends the run between batches."""
    deadline = None if seconds is None else time.monotonic() + seconds
    total = IngestResult()
    with spool_lock(spool):
        reader = SpoolReader(spool)
        for batch_id, events in reader.batches(batch_size):
            total += store_batch(events)
            reader.ack(batch_id)
            if (
                (max_batches is not None and total.batches >= max_batches)
                or (stop is not None and stop.is_set())
                or (deadline is not None and time.monotonic() >= deadline)
            ):
                break
    if total.rejected:
        log.error("%d unreadable spool lines kept as rejects (see SpoolReject)", total.rejected)
    return total
