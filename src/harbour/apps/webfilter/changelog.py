"""The filtering change log: every request, decision and expiry, readable by governors.

Built from the audit chain (so it is tamper-evident) joined to the requests. It shows staff
names and roles (the DfE standard asks for an audit trail of who changed what) but never a
pupil's name: free text is passed through :func:`redact_pupil_names`.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

from harbour.apps.audit.models import AuditEntry
from harbour.apps.webfilter.models import APPROVED, REFUSED, FilterRequest

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


@dataclass(frozen=True)
class Summary:
    """This school year's figures for governors: how much changed and how fast."""

    since: date
    requested: int
    approved: int
    refused: int
    in_force: int
    median_hours_to_decide: float | None


def school_year_start(today: date) -> date:
    """1 September of the school year ``today`` falls in."""
    return date(today.year if today.month >= 9 else today.year - 1, 9, 1)


def summary(now: datetime) -> Summary:
    """Counts of requests and decisions since the school year began, and the median time an
    approver took to decide."""
    since = school_year_start(timezone.localdate(now))
    start = timezone.make_aware(datetime.combine(since, time.min))
    year = FilterRequest.objects.filter(requested_at__gte=start)
    waits = sorted(
        (decided - asked).total_seconds() / 3600
        for asked, decided in year.exclude(decided_at=None).values_list(
            "requested_at", "decided_at"
        )
    )
    in_force = [r for r in FilterRequest.objects.filter(status=APPROVED) if r.in_force(now)]
    return Summary(
        since=since,
        requested=year.count(),
        approved=year.filter(decided_at__isnull=False).exclude(status=REFUSED).count(),
        refused=year.filter(status=REFUSED).count(),
        in_force=len(in_force),
        median_hours_to_decide=statistics.median(waits) if waits else None,
    )
