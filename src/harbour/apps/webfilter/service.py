"""Unblock requests and school-list edits: submit, decide, revoke, expire, and feed the gateways.

Approved requests reach the DNS and Squid engines as :class:`Override` entries in the policy
snapshot (:func:`contribute_overrides`, registered in ``policies.service.contributors``);
every change of state rewrites the snapshot after the commit, and the engines reload it within
seconds. The engine also checks each override's window, so an unblock stops at its end even
before :func:`expire_due` marks it expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from harbour.apps.audit.chain import record, snapshot
from harbour.apps.policies.service import write_gateway_snapshot
from harbour.apps.webfilter.models import (
    APPROVED,
    EXPIRED,
    KIND_LIST_ADD,
    KIND_LIST_REMOVE,
    KIND_UNBLOCK,
    PENDING,
    REFUSED,
    REMOVED,
    REVOKED,
    WITHDRAWN,
    FilterRequest,
)
from harbour.apps.webfilter.rules import is_locked
from harbour.policy.model import Policy
from harbour.policy.snapshot import Override, Snapshot

CLASS_GROUP = "class:"  # a class's pupils get this extra group in the snapshot
FOREVER = datetime(9999, 12, 31, tzinfo=UTC)  # list additions last until removed
LONGEST_UNBLOCK = timedelta(days=92)  # a term: anything longer belongs in the policy file
PERIODS = {
    "lesson": "This lesson (1 hour)",
    "today": "Today",
    "week": "A week",
    "custom": "From ... to ...",
}


class RequestRefused(Exception):
    """A request or decision that cannot go ahead; the message says why, for the user."""


@dataclass(frozen=True)
class Period:
    starts: datetime
    expires: datetime


def period_for(
    choice: str, now: datetime, starts: datetime | None = None, ends: datetime | None = None
) -> Period:
    """The window an unblock covers: this lesson (an hour), today (to midnight, school time),
    a week, or a custom from-to (at most a term)."""
    if choice == "lesson":
        return Period(now, now + timedelta(hours=1))
    if choice == "today":
        local = timezone.localtime(now)
        midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return Period(now, midnight)
    if choice == "week":
        return Period(now, now + timedelta(days=7))
    if choice != "custom":
        raise RequestRefused(f"unknown period {choice!r}")
    if starts is None or ends is None:
        raise RequestRefused("give both a start and an end for a custom period")
    if ends <= starts:
        raise RequestRefused("the end of the period must be after its start")
    if ends <= now:
        raise RequestRefused("that period has already ended")
    if ends - starts > LONGEST_UNBLOCK:
        raise RequestRefused("an unblock can last a term at most; change the policy for longer")
    return Period(starts, ends)


def _audit(
    actor: Any, action: str, item: FilterRequest, before: dict[str, Any] | None, summary: str
) -> None:
    record(actor, action, item, summary=summary, before=before, after=snapshot(item))


def _refuse_locked(target_kind: str, target: str) -> None:
    if is_locked(target_kind, target):
        raise RequestRefused(
            f"{target} is on the illegal-content list (IWF / CTIRU). Nobody can unblock it, "
            "and requests for it are not accepted."
        )


def submit(user: Any, **fields: Any) -> FilterRequest:
    """Record a new request (pending) and audit it. Locked-tier targets are refused."""
    _refuse_locked(fields["target_kind"], fields["target"])
    with transaction.atomic():
        item = FilterRequest.objects.create(requested_by=user, **fields)
        _audit(
            user,
            "request",
            item,
            None,
            f"{item.get_kind_display()} requested: {item.target_label} for {item.audience}",
        )
    return item


def decide(item: FilterRequest, user: Any, approve: bool, note: str) -> FilterRequest:
    """Approve or refuse a pending request; an approval reaches the gateways at once."""
    if item.status != PENDING:
        raise RequestRefused(f"request #{item.pk} is already {item.get_status_display().lower()}")
    if item.requested_by_id == user.pk:
        raise RequestRefused("you cannot decide your own request; another approver must")
    if approve:
        _refuse_locked(item.target_kind, item.target)
        if item.expires is not None and item.expires <= timezone.now():
            raise RequestRefused("the period of this request has already ended")
    if not approve and not note.strip():
        raise RequestRefused("say why the request is refused, so the requester knows")
    with transaction.atomic():
        before = snapshot(item)
        item.status = APPROVED if approve else REFUSED
        item.decided_by, item.decided_at, item.note = user, timezone.now(), note.strip()
        item.save()
        if approve and item.kind == KIND_LIST_REMOVE and item.replaces is not None:
            _end(item.replaces, user, REMOVED, f"removed by request #{item.pk}")
        _audit(
            user,
            "approve" if approve else "refuse",
            item,
            before,
            f"request #{item.pk} {item.status}: {item.target_label} for {item.audience}",
        )
        transaction.on_commit(write_gateway_snapshot)
    return item


def _end(item: FilterRequest, actor: Any, status: str, note: str) -> None:
    before = snapshot(item)
    item.status = status
    item.note = (item.note + "\n" if item.note else "") + note
    item.save(update_fields=["status", "note"])
    _audit(actor, status, item, before, f"request #{item.pk} {status}: {item.target_label}")


def revoke(item: FilterRequest, user: Any, note: str) -> None:
    """End an approved unblock early."""
    if item.status != APPROVED or item.kind != KIND_UNBLOCK:
        raise RequestRefused(f"request #{item.pk} is not an unblock in force")
    with transaction.atomic():
        _end(
            item, user, REVOKED, f"revoked by {user.username}: {note.strip() or 'no reason given'}"
        )
        transaction.on_commit(write_gateway_snapshot)


def withdraw(item: FilterRequest, user: Any) -> None:
    """The requester takes back a request nobody has decided yet."""
    if item.requested_by_id != user.pk or item.status != PENDING:
        raise RequestRefused("only your own requests still waiting for a decision can be withdrawn")
    with transaction.atomic():
        _end(item, user, WITHDRAWN, "withdrawn by the requester")


def expire_due(now: datetime | None = None) -> int:
    """Mark unblocks whose period has ended as expired (and pending requests whose period
    ended before anyone decided); rewrite the snapshot if any changed. The worker runs it."""
    now = now or timezone.now()
    due = FilterRequest.objects.filter(
        kind=KIND_UNBLOCK, status__in=[APPROVED, PENDING], expires__lte=now
    )
    count = 0
    with transaction.atomic():
        for item in due.select_for_update():
            note = "period ended" if item.status == APPROVED else "period ended before a decision"
            _end(item, "system", EXPIRED, note)
            count += 1
        if count:
            transaction.on_commit(write_gateway_snapshot)
    return count


def contribute_overrides(snap: Snapshot, policy: Policy) -> None:
    """Add approved, unexpired unblocks and approved allow-list additions to the snapshot.

    A class becomes an extra group ``class:NAME`` on its pupils' user entries, so an unblock
    for a class reaches exactly those pupils (when the proxy knows who they are).
    """
    from harbour.apps.people.models import Person

    now = timezone.now()
    unblocks = FilterRequest.objects.filter(kind=KIND_UNBLOCK, status=APPROVED, expires__gt=now)
    classes: set[str] = set()
    for item in unblocks:
        groups = [g for g in item.groups if g in policy.groups]
        if item.class_name:
            groups.append(CLASS_GROUP + item.class_name)
            classes.add(item.class_name)
        snap.overrides.append(
            Override(
                id=item.pk,
                target=f"{item.target_kind}:{item.target}",
                groups=tuple(groups),
                starts=item.starts.isoformat(),
                expires=item.expires.isoformat(),
                reason=f"request #{item.pk}",
            )
        )
    if classes:
        pupils = Person.objects.filter(kind="pupil", active=True, class_name__in=classes)
        for username, class_name in pupils.exclude(username=None).values_list(
            "username", "class_name"
        ):
            if username in snap.users:
                snap.users[username] = sorted({*snap.users[username], CLASS_GROUP + class_name})
    everyone = tuple(sorted(policy.groups))
    additions = FilterRequest.objects.filter(kind=KIND_LIST_ADD, status=APPROVED)
    for item in additions:
        local = policy.local_lists.get(item.list_name)
        if local is None:
            continue  # the list left the policy: nothing to add the entry to
        # The entry joins the school list itself, so an allow list lets it through and a block
        # list blocks it through the activity row that names the list.
        snap.overrides.append(
            Override(
                id=item.pk,
                target=f"list:{item.list_name}:{item.target}",
                groups=everyone,
                starts=(item.decided_at or now).isoformat(),
                expires=FOREVER.isoformat(),
                reason=f"{local.title or item.list_name} (request #{item.pk})",
            )
        )
