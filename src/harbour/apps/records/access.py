"""Who may see and change which record. Web views and the API both ask here.

The gate says which permissions a role holds; this module turns them into record filters.
Anything not visible is a 404, so a record's existence is never disclosed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from harbour.apps.accounts.gate import can
from harbour.apps.audit.chain import record as audit
from harbour.apps.records import vocab
from harbour.apps.records.models import Record


def visible_records(user: Any) -> QuerySet[Record]:
    """The records ``user`` may read: their own reports plus what their role is shown."""
    if not getattr(user, "is_authenticated", False):
        return Record.objects.none()
    # An allegation is never shown to the member of staff it is about, whatever their role.
    about_me = Record.objects.filter(
        kind=vocab.ALLEGATION,
        involvements__part="instigator",
        involvements__person__username=user.username,
    ).values("pk")
    if can(user, "safeguarding.view_all"):
        return Record.objects.exclude(pk__in=about_me)
    rule = Q(reported_by=user) if can(user, "safeguarding.report") else Q(pk__in=[])
    if can(user, "records.view_allegations"):
        rule |= Q(kind=vocab.ALLEGATION)
    if can(user, "records.view_shared"):
        rule |= Q(shared_with_head=True)
    if can(user, "records.view_technical"):
        rule |= Q(kind=vocab.INCIDENT, technical=True)
    return Record.objects.filter(rule).exclude(pk__in=about_me)


def can_manage(user: Any, record: Record) -> bool:
    """True when ``user`` may work the record (steps, actions, notes, evidence, closing)."""
    if can(user, "records.manage"):
        return True
    return record.kind == vocab.ALLEGATION and can(user, "records.manage_allegations")


def sees_full_record(user: Any, record: Record) -> bool:
    """Reporters without a wider role see what they reported, not the DSL's work on it."""
    return can_manage(user, record) or record.reported_by_id != getattr(user, "pk", None)


def technical_view(user: Any, record: Record) -> bool:
    """IT staff see a technical incident's actions and evidence, not the DSL's notes or
    reviews: they need what to fix, not the child's story."""
    return can(user, "records.view_technical") and not can_manage(user, record)


def get_record(user: Any, pk: int | str, *, manage: bool = False, audit_read: str = "") -> Record:
    """The record ``pk`` if ``user`` may see it (and work it, with ``manage``), else 404.

    ``audit_read`` names the read in the audit log (e.g. "web", "api"); empty for writes,
    which audit themselves.
    """
    try:
        found = visible_records(user).get(pk=int(pk))
    except (Record.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if manage and not can_manage(user, found):
        raise Http404
    if audit_read:
        audit(user, "read", found, summary=f"{found} read ({audit_read})")
    return found
