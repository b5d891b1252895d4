"""The resolver's end of the decision-event spool shared with the proxy path.

The resolver renders its events to JSON itself (see :mod:`harbour.gateways.dns.events`), so
its spool writer takes finished lines instead of dictionaries; segments, rotation, fsync and
the reader are :class:`harbour.events.spool.SpoolWriter`'s.
"""

from __future__ import annotations

import os
from pathlib import Path

from harbour.events.spool import SpoolWriter


class RenderedSpool(SpoolWriter):
    """A spool writer whose queued items are JSON lines already (without the newline)."""

    def append(self, line: str) -> None:  # type: ignore[override]
        """Queue one rendered event line. Never blocks on I/O."""
        self._queue.append(line)  # type: ignore[arg-type]

    def flush(self) -> None:
        """Write and fsync every queued line."""
        with self._io:
            count = len(self._queue)
            if not count:
                return
            popleft = self._queue.popleft
            data = "".join([f"{popleft()}\n" for _ in range(count)]).encode()
            fd = self._segment(len(data))
            os.write(fd, data)  # one write per flush, as the base class does
            os.fsync(fd)
            self._size += len(data)


def open_spool(data_dir: Path) -> RenderedSpool:
    """The spool of ``data_dir`` (its ``spool/`` folder), ready for event lines."""
    return RenderedSpool(Path(data_dir) / "spool")


class MemorySpool:
    """Keeps event lines in a list (tests, and runs with no data directory)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.append = self.lines.append

    def close(self) -> None:
        """Nothing to flush."""
