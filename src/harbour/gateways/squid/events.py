"""Decision events from the Squid helper, encoded cheaply and appended to the spool.

Every request becomes one event with the DfE fields (:func:`harbour.events.decision_event`).
Encoding a whole dictionary as JSON costs more than deciding a cached request, so an event is
assembled from three pieces of JSON text: the request's own fields (time, URL, search terms),
the client's fields (device, IP, user, group; cached per client) and the decision's fields
(cached with the decision). The pieces come from ``decision_event`` itself, so the event has
exactly its fields.

The lines go to :meth:`harbour.events.SpoolWriter.append_line`; its background thread does the
writing and the ``fsync``, so the request path never waits for the disk.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii as json_string  # type: ignore[attr-defined]
from typing import Any

from harbour.events import decision_event
from harbour.filtering.decision import Decision, Reason, Who

SOURCE = "proxy"
_REQUEST_KEYS = frozenset({"time", "url", "host", "search_terms"})
_CLIENT_KEYS = frozenset({"device", "ip", "user", "group"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _fields(data: dict[str, Any]) -> str:
    """``"a":1,"b":2``: a JSON object's members without the braces."""
    return json.dumps(data, separators=(",", ":"), default=str)[1:-1]


class EventEncoder:
    """Turns (decision, client, request) into one spool line of JSON text."""

    def __init__(self) -> None:
        self._second = -1
        self._second_text = ""

    def decision_part(self, decision: Decision) -> str:
        """The JSON members that depend only on the decision, not on the request's URL or
        host (cache them with it)."""
        event = decision_event(decision, Who(), _EPOCH, SOURCE)
        return _fields({k: v for k, v in event.items() if k not in _REQUEST_KEYS | _CLIENT_KEYS})

    def client_part(self, who: Who) -> str:
        """The JSON members that depend only on the client (cache them per client)."""
        event = decision_event(_NO_DECISION, who, _EPOCH, SOURCE)
        return _fields({k: event[k] for k in _CLIENT_KEYS})

    def line(
        self, when: float, url: str, host: str, terms: tuple[str, ...], client: str, decision: str
    ) -> str:
        """One event: ``when`` is a Unix time, ``host`` already a JSON string, ``client`` and
        ``decision`` the cached parts."""
        second = int(when)
        if second != self._second:  # one datetime per second, not per event
            self._second = second
            self._second_text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        micro = int((when - second) * 1_000_000)
        found = json.dumps(list(terms)) if terms else "[]"
        return (
            f'{{"time":"{self._second_text}.{micro:06d}+00:00","url":{json_string(url)},'
            f'"host":{host},"search_terms":{found},{client},{decision}}}'
        )


_NO_DECISION = Decision(
    url="", host="", action="", reason="", reason_code=Reason.DEFAULT, policy_version=""
)
