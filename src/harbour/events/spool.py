"""The decision-event spool: a durable local queue between the gateways and the database.

Writers (each Squid helper, each DNS worker) append JSON lines to their own segment files,
``<start-ns>-<pid>-<seq>.jsonl``; a segment is finished when ``<name>.done`` exists or its
writer process has died. ``append`` only puts the event on an in-memory queue: a background
thread writes the queue every ``flush_interval`` seconds in one ``write`` and ``fsync``\\ s it,
so the request path never waits for the disk. An event is durable once :meth:`flush` returns
(or one interval after ``append``).

The reader hands out batches with stable ids. Exactly-once loading is the reader's cursor plus
the consumer's idempotence: every event carries ``id`` (``segment@offset``, unique and stable
across restarts); the consumer stores events keyed by that id in one transaction, then calls
:meth:`SpoolReader.ack`. Killed before the commit: the batch comes back. Killed after the
commit but before the ack: the batch comes back and its ids are already stored, so it loads
nothing twice.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

log = logging.getLogger(__name__)

CURSOR = "cursor.json"
_SEGMENT = re.compile(r"^(\d+)-(\d+)-(\d+)\.jsonl$")
_BATCH = re.compile(r"^(.+\.jsonl)@(\d+)-(\d+)$")
_READ_CHUNK = 1 << 20


class SpoolWriter:
    """Appends events without blocking; a background thread writes and fsyncs them."""

    def __init__(
        self,
        directory: Path,
        *,
        flush_interval: float = 0.2,
        rotate_bytes: int = 64 << 20,
        rotate_seconds: float = 300.0,
        background: bool = True,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.flush_interval = flush_interval
        self.rotate_bytes = rotate_bytes
        self.rotate_seconds = rotate_seconds
        self._queue: deque[Mapping[str, Any] | str] = deque()
        self._io = threading.Lock()
        self._seq = 0
        self._fd: int | None = None
        self._name = ""
        self._size = 0
        self._opened = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._background = background
        self._start()
        _WRITERS.add(self)

    def _start(self) -> None:
        if self._background:
            self._thread = threading.Thread(target=self._run, name="harbour-spool", daemon=True)
            self._thread.start()

    def _after_fork(self) -> None:
        """In a forked child: the parent's segment, queue and thread are the parent's. Start
        afresh so the child's events go to its own segment (named with its own pid)."""
        self._io = threading.Lock()
        self._queue = deque()
        if self._fd is not None:
            os.close(self._fd)
        self._fd, self._name, self._size = None, "", 0
        self._stop = threading.Event()
        self._start()

    def append(self, event: Mapping[str, Any]) -> None:
        """Queue one event (a JSON-serialisable mapping). Never blocks on I/O."""
        self._queue.append(event)

    def append_line(self, line: str) -> None:
        """Queue one event already encoded as a JSON object on one line (no newline): for
        gateways that build event text faster than ``json.dumps``. Never blocks on I/O."""
        self._queue.append(line)

    def append_lines(self, lines: list[str]) -> None:
        """Queue several events encoded as for :meth:`append_line`, as one entry: for a
        gateway that answers requests in batches. Never blocks on I/O."""
        if lines:
            self._queue.append("\n".join(lines))

    def flush(self) -> None:
        """Write and fsync everything queued."""
        with self._io:
            lines = []
            while self._queue:
                item = self._queue.popleft()
                lines.append(item if isinstance(item, str) else _encode(item))
            if not lines:
                return
            data = ("\n".join(lines) + "\n").encode()
            fd = self._segment(len(data))
            os.write(fd, data)  # one write per flush: a line is never interleaved or split
            os.fsync(fd)
            self._size += len(data)

    def close(self) -> None:
        """Flush, stop the thread and mark the current segment finished."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.flush()
        with self._io:
            self._finish()

    def __enter__(self) -> SpoolWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _segment(self, incoming: int) -> int:
        """The open segment's descriptor, rotating first when it is big or old enough."""
        now = time.monotonic()
        if self._fd is not None and (
            (self._size and self._size + incoming > self.rotate_bytes)
            or now - self._opened > self.rotate_seconds
        ):
            self._finish()
        if self._fd is None:
            self._seq += 1
            self._name = f"{time.time_ns():020d}-{os.getpid()}-{self._seq:06d}.jsonl"
            self._fd = os.open(
                self.directory / self._name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640
            )
            self._size, self._opened = 0, now
        return self._fd

    def _finish(self) -> None:
        if self._fd is None:
            return
        os.close(self._fd)
        done = self.directory / (self._name + ".done")
        done.touch()
        self._fd = None

    def _run(self) -> None:
        while not self._stop.wait(self.flush_interval):
            try:
                self.flush()
            except OSError as exc:  # disk full or gone: keep the events queued and retry
                log.error("spool write to %s failed, will retry: %s", self.directory, exc)


_WRITERS: weakref.WeakSet[SpoolWriter] = weakref.WeakSet()


def _reset_writers_after_fork() -> None:
    for writer in list(_WRITERS):
        writer._after_fork()


os.register_at_fork(after_in_child=_reset_writers_after_fork)


class SpoolReader:
    """Reads finished and growing segments in order, in batches, with a durable cursor."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._cursor = self._load_cursor()

    def batches(self, max_events: int = 1000) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """Yield ``(batch_id, events)`` from the acknowledged position onwards, until nothing
        complete is left. Each event has an ``id``; unreadable lines come back as events with
        ``error`` and ``raw`` rather than being dropped."""
        for name in self._segments():
            position = self._cursor.get(name, 0)
            while True:
                events, end = self._read(name, position, max_events)
                if not events:
                    break
                yield f"{name}@{position}-{end}", events
                position = end

    def ack(self, batch_id: str) -> None:
        """Record that a batch is safely stored; finished segments fully read are deleted."""
        found = _BATCH.match(batch_id)
        if not found:
            raise ValueError(f"not a spool batch id: {batch_id!r}")
        name, end = found.group(1), int(found.group(3))
        self._cursor[name] = max(self._cursor.get(name, 0), end)
        path = self.directory / name
        if self._finished(name) and path.exists() and self._cursor[name] >= path.stat().st_size:
            self._save_cursor()  # the cursor first: a crash here re-reads nothing twice
            path.unlink()
            (self.directory / (name + ".done")).unlink(missing_ok=True)
            del self._cursor[name]
        self._save_cursor()

    def pending_bytes(self) -> int:
        """Bytes written to the spool and not yet acknowledged."""
        return sum(
            (self.directory / n).stat().st_size - self._cursor.get(n, 0) for n in self._segments()
        )

    def _segments(self) -> list[str]:
        return sorted(p.name for p in self.directory.iterdir() if _SEGMENT.match(p.name))

    def _finished(self, name: str) -> bool:
        if (self.directory / (name + ".done")).exists():
            return True
        found = _SEGMENT.match(name)
        return found is not None and not _alive(int(found.group(2)))

    def _read(self, name: str, start: int, max_events: int) -> tuple[list[dict[str, Any]], int]:
        events: list[dict[str, Any]] = []
        position = start
        try:
            handle = open(self.directory / name, "rb")  # noqa: SIM115 - closed by the with below
        except FileNotFoundError:  # finished and deleted by an ack since we listed it
            return events, position
        with handle:
            handle.seek(start)
            pending = b""
            while len(events) < max_events:
                chunk = handle.read(_READ_CHUNK)
                if not chunk:
                    break
                pending += chunk
                lines = pending.split(b"\n")
                pending = lines.pop()  # no newline yet: still being written, or a torn write
                prefix, append = name + "@", events.append
                for line in lines[: max_events - len(events)]:
                    try:  # inline for the usual line (ingest reads ~10^5 a second)
                        data = orjson.loads(line)
                        data["id"] = prefix + str(position)  # TypeError unless an object
                    except (ValueError, TypeError):
                        data = _event(line, prefix + str(position))
                    append(data)
                    position += len(line) + 1
                if len(events) == max_events:
                    break
        return events, position

    def _load_cursor(self) -> dict[str, int]:
        path = self.directory / CURSOR
        if not path.exists():
            return {}
        return {str(k): int(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}

    def _save_cursor(self) -> None:
        path = self.directory / CURSOR
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as out:
            json.dump(self._cursor, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)


def _encode(event: Mapping[str, Any]) -> str:
    return json.dumps(event, separators=(",", ":"), default=str)


def _event(line: bytes, event_id: str) -> dict[str, Any]:
    try:
        data = orjson.loads(line)  # several times faster than json.loads: ingest's biggest cost
        if not isinstance(data, dict):
            raise ValueError("not an object")
    except ValueError as exc:
        return {
            "id": event_id,
            "error": f"unreadable spool line: {exc}",
            "raw": line.decode("utf-8", "replace"),
        }
    data["id"] = event_id
    return data


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
