"""How long records are kept (IRMS toolkit for schools) and deleting them when due.

- Child protection records (concerns, incidents): the youngest involved child's date of
  birth + 25 years. Without a known date of birth the record is never listed as due.
- Allegations against staff: until the member of staff's normal retirement age (67, from
  their date of birth if the directory has it) or 10 years from the allegation, whichever
  is later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from harbour.apps.accounts.gate import can
from harbour.apps.audit.chain import record as audit
from harbour.apps.records import storage, vocab
from harbour.apps.records.models import Evidence, Record
from harbour.apps.records.rules import RuleError

CHILD_YEARS = 25
RETIREMENT_AGE = 67
ALLEGATION_MIN_YEARS = 10


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def keep_until(record: Record) -> date | None:
    """The date until which ``record`` must be kept, or None when it cannot be worked out."""
    parts = list(record.involvements.select_related("person"))
    if record.kind == vocab.ALLEGATION:
        floor = _plus_years(record.occurred_at.date(), ALLEGATION_MIN_YEARS)
        staff_dobs = [
            p.person.date_of_birth
            for p in parts
            if p.part == "instigator" and p.person.kind == "staff" and p.person.date_of_birth
        ]
        return max([floor, *(_plus_years(dob, RETIREMENT_AGE) for dob in staff_dobs)])
    dobs = [
        p.person.date_of_birth for p in parts if p.person.kind == "pupil" and p.person.date_of_birth
    ]
    if not dobs:
        return None
    return _plus_years(max(dobs), CHILD_YEARS)


@dataclass(frozen=True)
class Due:
    """A record due for retention review, and the date it was to be kept until."""

    record: Record
    keep_until: date


def due_for_review(today: date | None = None) -> list[Due]:
    """Closed records whose retention period has ended, oldest first."""
    today = today or timezone.localdate()
    due = []
    for found in Record.objects.filter(status=vocab.CLOSED).prefetch_related(
        "involvements__person"
    ):
        until = keep_until(found)
        if until is not None and until <= today:
            due.append(Due(found, until))
    return sorted(due, key=lambda d: d.keep_until)


@transaction.atomic
def delete_record(actor: Any, record: Record, reason: str, today: date | None = None) -> None:
    """Delete a record whose retention has ended. Only the DSL may; the deletion is audited
    (by number and kind only: the log must not keep what was deleted)."""
    if not can(actor, "records.delete"):
        raise Http404
    until = keep_until(record)
    if record.status != vocab.CLOSED or until is None or until > (today or timezone.localdate()):
        raise RuleError("only closed records past their retention date can be deleted")
    if not reason.strip():
        raise RuleError("give the reason for deleting")
    hashes = set(record.evidence.exclude(sha256="").values_list("sha256", flat=True))
    label, pk = str(record), record.pk
    record.delete()
    audit(
        actor,
        "delete",
        ("records.record", str(pk)),
        summary=f"{label} deleted at retention review (kept until {until}): {reason.strip()[:120]}",
    )
    still_used = set(Evidence.objects.filter(sha256__in=hashes).values_list("sha256", flat=True))
    for sha in hashes - still_used:
        transaction.on_commit(lambda sha=sha: storage.discard(sha))
