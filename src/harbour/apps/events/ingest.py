"""Load the decision-event spool into the database, in batches, exactly once.

Each batch is stored in one transaction and acknowledged to the spool only after the commit.
Every event carries its spool id (``segment@offset``); the same transaction moves the
segment's :class:`SpoolProgress` past the batch, so a batch that comes back after a crash
between commit and ack is recognised and stored once. One ingester runs at a time (a lock file
in the spool), so a segment is stored in order and a replayed batch starts below its mark.

``ingest_hooks`` run inside the batch's transaction with the rows just stored: what a hook
writes (alerts, say) commits or rolls back with the events, so a failing hook makes the batch
come back rather than losing its alerts.
"""

from __future__ import annotations

import fcntl
import gc
import json
import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain, islice
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from django.db import connection, transaction
from django.db.models import Max

from harbour.apps.events.models import DecisionEvent, SpoolProgress, SpoolReject
from harbour.apps.events.pipeline import InOrder, read_ahead
from harbour.events.spool import SpoolReader

log = logging.getLogger(__name__)

# Callables receiving the rows a batch stored, as StoredEvent tuples (monitoring adds its
# classifier here). They run inside the batch's transaction.
IngestHook = Callable[[list["StoredEvent"]], None]
ingest_hooks: list[IngestHook] = []

BATCH_SIZE = 5000
READ_AHEAD = 2  # batches read and built while earlier ones are stored
PG_STORERS = 2  # PostgreSQL connections storing batches side by side
SQLITE_ROWS_PER_INSERT = 500
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
_PICK = itemgetter("id", "time", "source", "url", "search_terms", "categories", "action")
_PICK_TEXTS = itemgetter(*_TEXT_FIELDS)
_TZINFO = attrgetter("tzinfo")
COLLECT_EVERY = 100  # batches between collections of the youngest objects
# Few distinct values occur in most columns (devices, users, hosts, rules...): each is checked
# and cut once and looked up after that. Bounded so that a flood of odd values cannot grow them.
_CACHE_LIMIT = 50_000
# How gateways write times (datetime.isoformat of an aware UTC time): such text becomes the
# naive UTC text Django stores on SQLite by slicing, at a fifth of formatting's cost.
# ASCII digit classes: ``\d`` also matches every Unicode digit and costs twice as much here.
_UTC_ISO = re.compile(
    r"(?:[0-9]{4}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9](?:\.[0-9]{6})?\+00:00\n)*"
)
_CATEGORY_JSON: dict[tuple[Any, ...], tuple[str, str]] = {}
_TEXT_CACHES: list[dict[Any, str]] = [{None: ""} for _ in _TEXT_FIELDS]


class Columns(list[list[Any]]):
    """A batch as columns in :data:`COLUMNS` order; ``utc_texts`` holds the times as SQLite
    text when the spool's own text could be sliced into it."""

    utc_texts: list[str] | None = None


class StoredEvent(NamedTuple):
    """A decision event as stored, as ingest hooks receive it: the field names of
    :class:`DecisionEvent` (``time`` aware, ``categories`` a list, ``search_terms`` one a line)
    built from the values just written rather than read back through the ORM."""

    id: int
    spool_id: str
    time: datetime
    source: str
    url: str
    search_terms: str
    category: str
    categories: list[str]
    action: str
    device: str
    ip: str
    user: str
    group: str
    host: str
    activity: str
    level: str
    reason_code: str
    rule: str
    policy_version: str

    @property
    def pk(self) -> int:
        """The row's primary key, as on a model instance."""
        return self.id


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
    first, encoded = _categories(tuple(get("categories") or ()))
    # Over-long values are cut to the column (PostgreSQL would refuse the whole batch) and
    # NUL characters dropped (PostgreSQL text cannot hold them).
    return (
        event["id"],
        moment,
        source,
        str(event["url"]).replace("\0", ""),
        "\n".join(get("search_terms") or ()).replace("\0", ""),
        first,
        encoded,
        action,
        *[_clean(get(name), limit) for name, limit in _TEXT_LIMITS],
    )


def _clean(value: Any, limit: int) -> str:
    return str(value or "").replace("\0", "")[:limit]


def _categories(categories: tuple[Any, ...]) -> tuple[str, str]:
    """(first category cut to its column, JSON list of all), encoded once per distinct set."""
    known = _CATEGORY_JSON.get(categories)
    if known is None:
        if len(_CATEGORY_JSON) > _CACHE_LIMIT:
            _CATEGORY_JSON.clear()
        first = str(categories[0])[:_CATEGORY_LIMIT] if categories else ""
        known = _CATEGORY_JSON[categories] = (first, json.dumps([str(c) for c in categories]))
    return known


def event_columns(events: list[dict[str, Any]]) -> tuple[list[list[Any]], list[SpoolReject]]:
    """A batch of spool events as columns in :data:`COLUMNS` order (the values
    :func:`event_values` gives), and the events that cannot be stored, as rejects.

    Column-wise, so that most of the work runs in C (``map``, ``zip``, ``str.join``) rather
    than a Python statement per field per event. Any odd event sends the whole batch through
    :func:`event_values` one event at a time, which names the bad ones.
    """
    try:
        return _fast_columns(events), []
    except (KeyError, TypeError, ValueError):
        pass
    rows: list[tuple[Any, ...]] = []
    rejects: list[SpoolReject] = []
    for event in events:
        try:
            rows.append(event_values(event))
        except (KeyError, TypeError, ValueError) as exc:
            raw = event.get("raw") or repr(event)
            rejects.append(SpoolReject(spool_id=event["id"], error=str(exc)[:300], raw=raw))
    return [list(c) for c in zip(*rows, strict=True)] if rows else [], rejects


def _fast_columns(events: list[dict[str, Any]]) -> Columns:
    """The columns of a batch of well-formed events; raises at the first odd value."""
    if not events:
        return Columns()
    ids, times, sources, urls, terms, categories, actions = zip(*map(_PICK, events), strict=True)
    moments = list(map(datetime.fromisoformat, times))
    joined = "\n".join(times)
    if (
        not _ACTIONS.issuperset(actions)
        or not _SOURCES.issuperset(sources)
        or None in map(_TZINFO, moments)
    ):
        raise ValueError("an action, source or time is not valid")
    searches = ["\n".join(t) if t else "" for t in terms]
    # str.join refuses anything but strings; one search for NUL covers every URL and search.
    if "\0" in "".join(urls) or "\0" in "".join(searches):
        raise ValueError("NUL character")
    sets = list(map(tuple, categories))
    known = list(map(_CATEGORY_JSON.get, sets))
    if None in known:
        known = list(map(_categories, sets))
    firsts, encoded = zip(*known, strict=True)
    texts = [
        _text_column(cache, column, limit)
        for cache, column, (_, limit) in zip(
            _TEXT_CACHES, zip(*map(_PICK_TEXTS, events), strict=True), _TEXT_LIMITS, strict=True
        )
    ]
    columns = Columns([list(ids), moments, list(sources), list(urls), searches, list(firsts),
                       list(encoded), list(actions), *texts])  # fmt: skip
    if _UTC_ISO.fullmatch(joined + "\n"):
        columns.utc_texts = joined.replace("T", " ").replace("+00:00", "").split("\n")
    return columns


def _text_column(cache: dict[Any, str], column: tuple[Any, ...], limit: int) -> list[str]:
    values = list(map(cache.get, column))
    if None not in values:
        return values
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
        cache[None] = ""
    for value in column:
        if value not in cache:
            if not isinstance(value, str):  # 1 == True: only strings are safe keys
                raise TypeError(f"{value!r} is not text")
            cache[value] = _clean(value, limit)
    return list(map(cache.__getitem__, column))


class Prepared(NamedTuple):
    """A batch read from the spool with its columns already built (off the database thread)."""

    batch_id: str
    events: list[dict[str, Any]]
    columns: list[list[Any]]
    rejects: list[SpoolReject]


def store_batch(events: list[dict[str, Any]], prepared: Prepared | None = None) -> IngestResult:
    """Store one batch in one transaction; events already stored are skipped. ``prepared``
    holds the batch's columns when they were built ahead; they are used unless the batch is a
    replay (some of it already stored)."""
    with transaction.atomic():
        result, finish = _write_batch(events, prepared)
        finish()
    return result


def _write_batch(
    events: list[dict[str, Any]], prepared: Prepared | None
) -> tuple[IngestResult, Callable[[], None]]:
    """Inside the caller's transaction: insert the batch's new rows and rejects. Returns what
    was stored and the step that completes the batch (hooks, then the spool progress), which
    the caller runs in the same transaction once earlier batches are committed."""
    progress = _progress(events)
    fresh = _not_yet_stored(events, progress)
    if prepared is not None and fresh is events:
        columns, rejects = prepared.columns, prepared.rejects
    else:
        columns, rejects = event_columns(fresh)
    count = len(columns[0]) if columns else 0
    hooks = list(ingest_hooks) if count else []
    ids: list[int] | range = []
    if count and hooks:
        ids = _insert_with_ids(columns)
    elif count:
        _insert(_db_rows(columns))
    if rejects:
        SpoolReject.objects.bulk_create(rejects, ignore_conflicts=True)

    def finish() -> None:
        if hooks:
            stored = _stored_events(columns, ids)
            for hook in hooks:
                hook(stored)
        _advance(events, progress)

    return IngestResult(stored=count, rejected=len(rejects), batches=1), finish


def insert_rows(rows: list[tuple[Any, ...]]) -> None:
    """Bulk insert rows in :data:`COLUMNS` order (``time`` an aware datetime): binary COPY on
    PostgreSQL, multi-row INSERTs on SQLite (the ORM's per-field preparation is 10-20x
    slower)."""
    if rows:
        _insert(_db_rows([list(c) for c in zip(*rows, strict=True)]))


def _db_rows(columns: list[list[Any]]) -> Iterable[tuple[Any, ...]]:
    """Rows as the database takes them: on SQLite, times as the naive UTC text Django stores."""
    if connection.vendor == "postgresql":
        from harbour.apps.events.pgcopy import JsonText

        return zip(*columns[:6], map(JsonText, columns[6]), *columns[7:], strict=True)
    if connection.vendor != "sqlite":
        return zip(*columns, strict=True)
    texts = getattr(columns, "utc_texts", None) or [_sqlite_time(m) for m in columns[1]]
    return zip(columns[0], texts, *columns[2:], strict=True)


def _insert(rows: Iterable[tuple[Any, ...]], ids: list[int] | None = None) -> int:
    """Insert rows in :data:`COLUMNS` order, with the given ``ids`` (PostgreSQL only) or the
    database's. Returns the last row id on SQLite, 0 on PostgreSQL."""
    table = DecisionEvent._meta.db_table
    names = ("id", *COLUMNS) if ids is not None else COLUMNS
    columns = ", ".join(connection.ops.quote_name(c) for c in names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from harbour.apps.events.pgcopy import COPY_TYPES, copy_rows

            types = [
                COPY_TYPES[DecisionEvent._meta.get_field(c).get_internal_type()] for c in names
            ]
            if ids is not None:
                rows = ((key, *row) for key, row in zip(ids, rows, strict=True))
            # cursor.cursor: the psycopg cursor under Django's wrapper
            copy_rows(cursor.cursor, f"{table} ({columns})", types, rows)
            return 0
        if connection.vendor != "sqlite" or ids is not None:
            raise NotImplementedError(f"bulk insert for the {connection.vendor} database")
        return _sqlite_insert(cursor.connection, f"INSERT INTO {table} ({columns}) VALUES ", rows)


def _insert_with_ids(columns: list[list[Any]]) -> list[int] | range:
    """Insert a batch and return its rows' ids in batch order, for the hooks, without reading
    the rows back (which cost a third of a monitored ingest)."""
    count = len(columns[0])
    if connection.vendor == "postgresql":
        # Ids drawn from the column's own sequence, then written with the rows.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [DecisionEvent._meta.db_table, count],
            )
            ids = [row[0] for row in cursor.fetchall()]
        _insert(_db_rows(columns), ids)
        return ids
    before = _top_id()
    last = _insert(_db_rows(columns))
    if last - before == count:
        # The batch holds the write lock, and SQLite gives each new row a larger id than any
        # before it: count rows in (before, last] with last - before == count are exactly
        # before+1 ... last, in insert order.
        return range(before + 1, last + 1)
    # A gap (rows deleted at the top, under AUTOINCREMENT): read the ids back.
    found = dict(
        DecisionEvent.objects.filter(id__gt=before).values_list("spool_id", "id").order_by()
    )
    return [found[spool_id] for spool_id in columns[0]]


def _sqlite_insert(raw: sqlite3.Connection, head: str, rows: Iterable[tuple[Any, ...]]) -> int:
    """Many rows a statement (a fifth cheaper than ``executemany``'s statement a row, which
    also updates the AUTOINCREMENT counter once per row), within SQLite's parameter limit.
    Returns the last row's id."""
    per = max(
        1,
        min(
            SQLITE_ROWS_PER_INSERT,
            raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(COLUMNS),
        ),
    )
    one = "(" + ", ".join("?" * len(COLUMNS)) + ")"
    pending, last = iter(rows), 0
    while chunk := list(islice(pending, per)):
        cursor = raw.execute(head + ", ".join([one] * len(chunk)), list(chain.from_iterable(chunk)))
        last = cursor.lastrowid or last
    return last


def _sqlite_time(moment: datetime) -> str:
    # The text Django itself stores for an aware datetime on SQLite: naive UTC.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _top_id() -> int:
    return DecisionEvent.objects.aggregate(top=Max("id"))["top"] or 0


def _stored_events(columns: list[list[Any]], ids: list[int] | range) -> list[StoredEvent]:
    """The rows just stored, for the hooks, built from the batch itself and ``ids``, the only
    values the database chose. Events with the same categories share one list: hooks read
    them, never change them."""
    lists = {encoded: orjson.loads(encoded) for encoded in set(columns[6])}
    # Column by column in C (zip, map) rather than a row at a time in Python.
    return list(
        map(
            StoredEvent._make,
            zip(ids, *columns[:6], map(lists.__getitem__, columns[6]), *columns[7:], strict=True),
        )
    )


def _place(spool_id: str) -> tuple[str, int]:
    segment, _, offset = spool_id.rpartition("@")
    if not segment or not offset.isdigit():
        raise ValueError(f"not a spool event id: {spool_id!r}")
    return segment, int(offset)


def _progress(events: list[dict[str, Any]]) -> dict[str, int]:
    """Each segment of the batch and the offset below which it is already stored (0: none).
    A batch from the reader is one segment, in order: its first and last events name them all.
    """
    if not events:
        return {}
    ends = {_place(events[0]["id"])[0], _place(events[-1]["id"])[0]}
    if len(ends) > 1:
        ends = {_place(e["id"])[0] for e in events}
    stored = dict(SpoolProgress.objects.filter(segment__in=ends).values_list("segment", "position"))
    return {segment: stored.get(segment, 0) for segment in ends}


def _not_yet_stored(events: list[dict[str, Any]], progress: dict[str, int]) -> list[dict[str, Any]]:
    # Batches start at the acknowledged position, so only a replay holds stored events, and
    # a replay starts with one: the first event decides the usual case.
    if not events or not any(progress.values()):
        return events
    segment, offset = _place(events[0]["id"])
    if len(progress) == 1 and offset >= progress[segment]:
        return events
    fresh = []
    for event in events:
        segment, offset = _place(event["id"])
        if offset >= progress[segment]:
            fresh.append(event)
    return fresh


def _advance(events: list[dict[str, Any]], progress: dict[str, int]) -> None:
    """Record, in the batch's transaction, that everything up to its last event is stored."""
    if not events:
        return
    ends = dict.fromkeys(progress, 0)
    for event in events if len(progress) > 1 else events[-1:]:
        segment, offset = _place(event["id"])
        ends[segment] = max(ends[segment], offset + 1)
    for segment, end in ends.items():
        if end > progress[segment]:
            updated = SpoolProgress.objects.filter(segment=segment).update(position=end)
            if not updated:
                SpoolProgress.objects.create(segment=segment, position=end)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a batch allocates thousands of dicts, which made
    it scan every live object again and again (half the CPU of a run). Reference counting
    still frees each batch; the loop collects the youngest generation now and then."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _prepared(reader: SpoolReader, batch_size: int) -> Iterator[Prepared]:
    """The spool's batches with their columns built (run by the read-ahead thread)."""
    for batch_id, events in reader.batches(batch_size):
        columns, rejects = event_columns(events)
        yield Prepared(batch_id, events, columns, rejects)


def _storers() -> int:
    """Connections storing batches side by side: several on PostgreSQL, whose server inserts
    each batch in its own process; one on SQLite, which takes one writer at a time, and one
    when the caller is inside a transaction, which the batches must then be part of."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return PG_STORERS
    return 1


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


PROGRESS_KEPT_S = 7 * 24 * 3600  # marks of deleted segments kept this long after they began


def prune_progress(spool: Path, now: float | None = None) -> int:
    """Forget the progress marks of segments that are gone from ``spool`` and began over a
    week ago; returns how many. A segment is deleted only once it is wholly stored and
    acknowledged, so it cannot come back; without pruning, marks pile up, one per segment
    (each gateway process starts one every few minutes). The week's grace covers a spool
    directory restored from a recent backup."""
    limit_ns = int(((now if now is not None else time.time()) - PROGRESS_KEPT_S) * 1e9)
    with spool_lock(spool):
        present = {path.name for path in spool.iterdir()}
        gone = [
            segment
            for segment in SpoolProgress.objects.values_list("segment", flat=True)
            if segment not in present and _segment_start_ns(segment) < limit_ns
        ]
        for start in range(0, len(gone), 500):
            SpoolProgress.objects.filter(segment__in=gone[start : start + 500]).delete()
    return len(gone)


def _segment_start_ns(segment: str) -> int:
    # Segment names begin with their start time in nanoseconds; an odd name is never pruned.
    head = segment.split("-", 1)[0]
    return int(head) if head.isdigit() else 1 << 63


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
    with spool_lock(spool), _collector_paused():
        reader = SpoolReader(spool)

        def store_in_turn(batch: Prepared, wait_turn: Callable[[], None]) -> IngestResult:
            # Inserting may overlap an earlier batch's; committing, which moves the spool's
            # progress past this batch, and acknowledging wait for the earlier batches.
            with transaction.atomic():
                result, finish = _write_batch(batch.events, batch)
                wait_turn()
                finish()
            reader.ack(batch.batch_id)
            return result

        # Each storing thread closes its own connection (looked up in that thread) as it ends.
        storers = InOrder(store_in_turn, _storers(), on_exit=lambda: connection.close())
        taken = 0
        try:
            with read_ahead(_prepared(reader, batch_size), READ_AHEAD) as batches:
                for batch in batches:
                    for stored in storers.submit(batch):
                        total += stored
                    taken += 1
                    if taken % COLLECT_EVERY == 0:  # cycles left by earlier batches
                        gc.collect(0)
                    if (
                        (max_batches is not None and taken >= max_batches)
                        or (stop is not None and stop.is_set())
                        or (deadline is not None and time.monotonic() >= deadline)
                    ):
                        break
            for stored in storers.drain():
                total += stored
        finally:
            storers.close()
    if total.rejected:
        log.error("%d unreadable spool lines kept as rejects (see SpoolReject)", total.rejected)
    return total
