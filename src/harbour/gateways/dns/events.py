"""Decision events from the resolver, rendered cheaply for the spool.

Everything about a query's decision except its time and client address is rendered to JSON
once, when the answer is first made, and kept with the cached answer; logging a repeated
query is then one string format and one ``deque.append``. The spool's own thread writes the
lines to disk, so the reply never waits for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from harbour.gateways.dns.decider import Client, DnsVerdict

QTYPE_NAMES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT",
               28: "AAAA", 33: "SRV", 64: "SVCB", 65: "HTTPS", 255: "ANY"}  # fmt: skip


def event_fields(client: Client, host: str, qtype: int, verdict: DnsVerdict) -> dict[str, Any]:
    """The fields of a DNS decision event other than ``time`` and ``ip``: those of
    :func:`harbour.events.record.decision_event` (the DfE log fields), where the "URL" is the
    name asked for, plus the record type and how the resolver answered."""
    return {
        "source": "dns",
        "device": client.device,
        "user": client.user,
        "group": min(client.groups) if client.groups else None,
        "url": host,
        "host": host,
        "search_terms": [],
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


def render_fields(client: Client, host: str, qtype: int, verdict: DnsVerdict) -> str:
    """:func:`event_fields` as JSON object members, ready to splice into an event line."""
    return json.dumps(event_fields(client, host, qtype, verdict), separators=(",", ":"))[1:-1]


class EventLog:
    """Turns (time, client address, rendered fields) into spool lines."""

    def __init__(self, append: Callable[[str], None]) -> None:
        self.append = append
        self._second = -1
        self._iso = ""

    def emit(self, wall: float, ip: str, fields: str) -> None:
        """Queue one event line (called on the reply path: must stay cheap)."""
        second = int(wall)
        if second != self._second:
            self._second = second
            self._iso = datetime.fromtimestamp(second, UTC).isoformat()
        # Client addresses come from the socket layer: digits, dots, colons and hex only.
        self.append('{"time":"%s","ip":"%s",%s}' % (self._iso, ip, fields))  # noqa: UP031
