"""The filtering change log: every request, decision and expiry, readable by governors.

Built from the audit chain (so it is tamper-evident) joined to the requests. It shows staff
names and roles (the DfE standard asks for an audit trail of who changed what) but never a
pupil's name: free text is passed through :func:`redact_pupil_names`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from harbour.apps.audit.models import AuditEntry
from harbour.apps.webfilter.models import FilterRequest

OBJECT_TYPE = FilterRequest._meta.label_lower
ACTIONS = {
    "request": "Requested",
    "approve": "Approved",
    "refuse": "Refused",
    "withdrawn": "Withdrawn",
    "revoked": "Revoked",
    "expired": "Expired",
    "removed": "Removed from list",
}


def pupil_name_pattern() -> re.Pattern[str] | None:
    """One pattern matching any active pupil's first, preferred or last name as a word."""
    from harbour.apps.people.models import Person

    names: set[str] = set()
    for row in Person.objects.filter(kind="pupil").values_list(
        "first_name", "preferred_name", "last_name"
    ):
        names.update(n.strip() for n in row if n and len(n.strip()) > 1)
    if not names:
        return None
    words = sorted(names, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")


def redact_pupil_names(text: str, pattern: re.Pattern[str] | None) -> str:
    """``text`` with every pupil name replaced by ``[pupil]``."""
    return pattern.sub("[pupil]", text) if pattern and text else text


@dataclass(frozen=True)
class Change:
    """One line of the change log."""

    at: datetime
    seq: int
    actor: str
    action: str
    item: FilterRequest | None
    reason: str
    note: str


def changes(limit: int = 200, offset: int = 0) -> list[Change]:
    """The newest changes first."""
    entries = list(
        AuditEntry.objects.filter(object_type=OBJECT_TYPE).order_by("-seq")[offset : offset + limit]
    )
    ids = {int(e.object_id) for e in entries if e.object_id.isdigit()}
    items = FilterRequest.objects.select_related("requested_by", "decided_by").in_bulk(ids)
    pattern = pupil_name_pattern()
    result = []
    for entry in entries:
        item = items.get(int(entry.object_id)) if entry.object_id.isdigit() else None
        after = entry.after or {}
        result.append(
            Change(
                at=entry.at,
                seq=entry.seq,
                actor=entry.actor,
                action=ACTIONS.get(entry.action, entry.action),
                item=item,
                reason=redact_pupil_names(str(after.get("reason", "")), pattern),
                note=redact_pupil_names(str(after.get("note", "")), pattern),
            )
        )
    return result


def count() -> int:
    """How many changes the log holds."""
    return AuditEntry.objects.filter(object_type=OBJECT_TYPE).count()
