"""Decision events from the resolver, written to the spool off the reply path.

Answering a query costs one ``list.append``; a background thread turns the buffered tuples
into event dictionaries and hands them to the spool in batches. If the spool falls so far
behind that the buffer is full, events are counted as lost and logged, never silently.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from harbour.gateways.dns.decider import Client, DnsVerdict

log = logging.getLogger(__name__)

QTYPE_NAMES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT",
               28: "AAAA", 33: "SRV", 64: "SVCB", 65: "HTTPS", 255: "ANY"}  # fmt: skip

Pending = tuple[float, str, Client, str, int, DnsVerdict]
BatchWriter = Callable[[list[dict[str, Any]]], None]


def event_dict(item: Pending) -> dict[str, Any]:
    """The spool event for one answered query (the DfE filtering-log fields)."""
    when, ip, client, host, qtype, verdict = item
    return {
        "time": datetime.fromtimestamp(when, UTC).isoformat(),
        "source": "dns",
        "ip": ip,
        "device": client.device,
        "user": client.user,
        "group": client.groups[0] if len(client.groups) == 1 else ",".join(client.groups),
        "host": host,
        "qtype": QTYPE_NAMES.get(qtype, str(qtype)),
        "action": verdict.action,
        "response": verdict.response,
        "categories": list(verdict.categories),
        "activity": verdict.activity,
        "level": verdict.level,
        "reason": verdict.reason,
        "reason_code": verdict.reason_code,
        "rule": verdict.rule,
        "safe_search": verdict.safe_search,
        "policy_version": verdict.policy_version,
    }


class EventSink:
    """Buffer events in memory and write them from a background thread."""

    def __init__(self, writer: BatchWriter, interval: float = 0.25, limit: int = 500_000) -> None:
        self.writer = writer
        self.interval = interval
        self.limit = limit
        self.pending: deque[Pending] = deque()  # append/popleft are thread-safe
        self.written = 0
        self.lost = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dns-events", daemon=True)

    def start(self) -> None:
        """Start the writer thread."""
        self._thread.start()

    def add(self, item: Pending) -> None:
        """Queue one event (called on the reply path: must stay cheap)."""
        if len(self.pending) < self.limit:
            self.pending.append(item)
        else:
            self.lost += 1

    def flush(self) -> None:
        """Write everything queued so far."""
        pending = self.pending
        batch = [pending.popleft() for _ in range(len(pending))]
        if not batch:
            return
        try:
            self.writer([event_dict(item) for item in batch])
            self.written += len(batch)
        except Exception:  # the spool failing must not stop the resolver
            self.lost += len(batch)
            log.exception("could not write %d DNS decision events to the spool", len(batch))

    def _run(self) -> None:
        reported = 0
        while not self._stop.wait(self.interval):
            self.flush()
            if self.lost != reported:
                log.error("%d DNS decision events lost so far", self.lost)
                reported = self.lost
        self.flush()

    def stop(self) -> None:
        """Write what is left and stop the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        else:
            self.flush()


def jsonl_writer(path: Any) -> BatchWriter:
    """A writer appending JSON lines to one file (for when no spool is configured)."""
    import json

    def write(events: list[dict[str, Any]]) -> None:
        with open(path, "a", encoding="utf-8") as out:
            out.write("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events))

    return write
