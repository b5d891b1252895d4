"""What the DSL and deputies do with an alert. Every step is audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from harbour.apps.alerts.models import (
    CALL_RESULTS,
    OUTCOME_CHOICES,
    Alert,
    IgnoreRule,
    Notification,
)
from harbour.apps.audit.chain import record, snapshot

_AUDIT_EXCLUDE = ("evidence",)


class TriageError(ValueError):
    """The action does not fit the alert's state or is missing something it needs."""


def _change(alert: Alert, actor: Any, action: str, summary: str, apply: Any) -> Alert:
    with transaction.atomic():
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        before = snapshot(locked, exclude=_AUDIT_EXCLUDE)
        apply(locked)
        locked.save()
        record(
            actor,
            action,
            locked,
            summary=summary,
            before=before,
            after=snapshot(locked, exclude=_AUDIT_EXCLUDE),
        )
    return locked


def _must_be_open(alert: Alert) -> None:
    if not alert.is_open:
        raise TriageError(f"this alert is already {alert.get_status_display().lower()}")


def acknowledge(alert: Alert, actor: Any) -> Alert:
    """The DSL has seen it and is dealing with it."""
    _must_be_open(alert)
    if alert.acknowledged_at is not None:
        raise TriageError("this alert is already acknowledged")

    def apply(row: Alert) -> None:
        row.acknowledged_by, row.acknowledged_at = actor, timezone.now()
        if row.status == "new":
            row.status = "acknowledged"

    return _change(alert, actor, "acknowledge", "alert acknowledged", apply)


def _finish(row: Alert, actor: Any, status: str, outcome: str, note: str) -> None:
    now = timezone.now()
    row.status, row.outcome, row.outcome_note = status, outcome, note
    row.closed_by, row.closed_at = actor, now
    if row.acknowledged_at is None:
        row.acknowledged_by, row.acknowledged_at = actor, now


def mark_false_positive(alert: Alert, actor: Any, note: str = "", ignore_term: str = "") -> Alert:
    """Close as a false positive; optionally stop ``ignore_term`` alerting again."""
    _must_be_open(alert)
    term = ignore_term.strip()
    with transaction.atomic():
        changed = _change(
            alert,
            actor,
            "false-positive",
            "alert marked false positive",
            lambda row: _finish(row, actor, "false-positive", "false-positive", note.strip()),
        )
        if term:
            rule = IgnoreRule.objects.create(
                term=term[:200], reason=note.strip()[:300], from_alert=changed, created_by=actor
            )
            record(
                actor, "create", rule, summary=f"ignore rule {term!r} added", after=snapshot(rule)
            )
    return changed


def escalate(alert: Alert, actor: Any, note: str) -> Alert:
    """Escalate to a safeguarding incident: a record when the records area is installed."""
    _must_be_open(alert)
    note = note.strip()
    if not note:
        raise TriageError("say why this is escalated (it goes on the incident)")
    with transaction.atomic():
        ref = _create_record(alert, actor, note)

        def apply(row: Alert) -> None:
            row.status, row.escalation_note, row.record_ref = "escalated", note, ref
            if row.acknowledged_at is None:
                row.acknowledged_by, row.acknowledged_at = actor, timezone.now()

        return _change(
            alert, actor, "escalate", f"alert escalated{' to ' + ref if ref else ''}", apply
        )


def _create_record(alert: Alert, actor: Any, note: str) -> str:
    """Hook to the safeguarding records area: the new record's address, or '' when that area
    is not installed (the escalation note then stands as the record of it)."""
    from django.apps import apps
    from django.urls import NoReverseMatch, reverse

    if not apps.is_installed("harbour.apps.records"):
        return ""
    from harbour.apps.records import service
    from harbour.apps.records.rules import RuleError

    try:
        created = service.create_record_from_alert(alert, actor, note)
    except RuleError as error:
        raise TriageError(str(error)) from error
    try:
        return reverse("records:record", kwargs={"pk": created.pk})
    except NoReverseMatch:
        return f"record {created.pk}"


def close(alert: Alert, actor: Any, outcome: str, note: str = "") -> Alert:
    """Close with an outcome (required), and a note saying why."""
    _must_be_open(alert)
    if outcome not in dict(OUTCOME_CHOICES):
        raise TriageError("choose an outcome: every alert is closed with one")
    return _change(
        alert,
        actor,
        "close",
        f"alert closed: {outcome}",
        lambda row: _finish(row, actor, "closed", outcome, note.strip()),
    )


def record_call(alert: Alert, actor: Any, notification_id: str, result: str) -> Notification:
    """Note the result of phoning a contact on the alert's list (answered or no answer)."""
    if result not in CALL_RESULTS:
        raise TriageError("say whether the call was answered")
    call = None
    if str(notification_id).isdigit():
        call = alert.notifications.filter(pk=int(notification_id), channel="phone").first()
    if call is None:
        raise TriageError("that contact is not on this alert's call list")
    with transaction.atomic():
        before = snapshot(call)
        call.status, call.sent_at = result, timezone.now()
        call.attempts += 1
        call.save(update_fields=["status", "sent_at", "attempts"])
        record(
            actor,
            "call",
            call,
            summary=f"alert {alert.pk}: call {result}",
            before=before,
            after=snapshot(call),
        )
    return call


def read(alert: Alert, actor: Any) -> None:
    """Audit that ``actor`` opened the alert (its evidence is personal, special category data)."""
    record(actor, "read", alert, summary="alert opened")
