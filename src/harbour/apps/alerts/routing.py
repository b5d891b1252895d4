"""Routing by severity: who is told about an alert, and the sending of it.

``plan_notifications`` (called when an alert is raised or its severity rises) records one
Notification per recipient; ``deliver_pending`` (a worker job, every few seconds) sends them
with short timeouts and retries failures with back-off. Emails and webhooks say who, which
category and which severity, with a link: the evidence stays behind the login.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.utils import timezone

from harbour.apps.alerts.models import SEVERITY_TITLES, Alert, Notification
from harbour.policy.model import Monitoring, Policy

log = logging.getLogger(__name__)
SEND_TIMEOUT = 5.0  # seconds: a slow mail server must not hold up the worker for long
MAX_ATTEMPTS = 12
BASE_URL_ENV = "HARBOUR_BASE_URL"
DSL_ROLES = ("dsl", "deputy-dsl")
SEVERITY_MEANING = {
    1: "information",
    2: "low: note it",
    3: "concerning: review within a school day",
    4: "serious: review today",
    5: "critical: possible immediate risk; act now",
}


def _policy() -> Policy | None:
    from harbour.apps.policies.service import NoPolicy, current_policy

    try:
        return current_policy()
    except NoPolicy:
        return None


def monitoring_settings() -> Monitoring:
    """The active policy's monitoring table (the defaults before any policy is adopted)."""
    policy = _policy()
    return policy.monitoring if policy is not None else Monitoring()


def alert_link(alert: Alert) -> str:
    """The address of the alert's page, for messages sent outside Harbour."""
    base = os.environ.get(BASE_URL_ENV, "http://localhost:8000").rstrip("/")
    return f"{base}/alerts/{alert.pk}/"


def dsl_team_emails(policy: Policy | None) -> list[str]:
    """Email addresses of the DSL and deputies: their logins and the policy's named posts."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True, profile__role__in=DSL_ROLES)
    found = [u.email for u in users.order_by("username") if u.email]
    if policy is not None:
        found += [p.email for p in [*policy.posts.dsl, *policy.posts.deputy_dsl] if p.email]
    return _unique(found)


def _unique(addresses: list[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for address in addresses:
        if address.lower() not in seen:
            seen.add(address.lower())
            kept.append(address)
    return kept


def plan_notifications(alert: Alert) -> list[Notification]:
    """Record who must hear about ``alert`` now that it reached its current severity.

    Only thresholds crossed since the last routing count, so a repeat at the same severity
    tells nobody twice, while a repeat that makes the alert critical does reach the contacts.
    """
    policy = _policy()
    rules = policy.monitoring if policy is not None else Monitoring()
    before, now = alert.routed_severity, alert.severity
    if now <= before:
        return []
    planned: list[Notification] = []
    emailed: set[str] = set()

    def add(channel: str, recipient: str, position: int = 0, status: str = "pending") -> None:
        if channel == "email":
            if recipient.lower() in emailed:
                return
            emailed.add(recipient.lower())
        planned.append(
            Notification(
                alert=alert, channel=channel, recipient=recipient, position=position, status=status
            )
        )

    if before < rules.email_at_severity <= now:
        for address in dsl_team_emails(policy):
            add("email", address)
    if before < rules.contacts_at_severity <= now:
        for position, contact in enumerate(rules.contacts, start=1):
            if contact.email:
                add("email", contact.email, position)
            if contact.phone:
                add("phone", f"{contact.name}: {contact.phone}", position, status="to-call")
        if rules.webhook:
            add("webhook", rules.webhook)
    Notification.objects.bulk_create(planned)
    alert.routed_severity = now
    alert.save(update_fields=["routed_severity"])
    return planned


def email_for(alert: Alert, recipient: str) -> EmailMessage:
    """The alert email: who, category, severity and a link. Never the evidence."""
    severity = f"{alert.severity} ({SEVERITY_TITLES.get(alert.severity, '')})"
    subject = f"Harbour alert: severity {severity}, {alert.category_title}"
    raised = timezone.localtime(alert.first_seen).strftime("%a %d %b %Y %H:%M")
    body = "\n".join(
        [
            f"Harbour raised a severity {severity} safeguarding alert.",
            "",
            f"Who:       {alert.who}",
            f"Category:  {alert.category_title}",
            f"Severity:  {alert.severity} - {SEVERITY_MEANING.get(alert.severity, '')}",
            f"Raised:    {raised}",
            f"Open it:   {alert_link(alert)}",
            "",
            "What was seen is not in this email on purpose: sign in to read it.",
        ]
    )
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])


def webhook_payload(alert: Alert) -> dict[str, object]:
    """The webhook body: enough to page someone, nothing a third party should hold."""
    rules = monitoring_settings()
    return {
        "alert": alert.pk,
        "severity": alert.severity,
        "category": alert.category,
        "raised_at": alert.first_seen.isoformat(),
        "link": alert_link(alert),
        "contacts": [{"name": c.name, "phone": c.phone} for c in rules.contacts if c.phone],
    }


def _send(note: Notification) -> None:
    if note.channel == "email":
        with get_connection(timeout=SEND_TIMEOUT) as connection:
            connection.send_messages([email_for(note.alert, note.recipient)])
        return
    if not note.recipient.lower().startswith(("https://", "http://")):
        raise OSError("the webhook must be an http:// or https:// address")
    body = json.dumps(webhook_payload(note.alert)).encode()
    request = urllib.request.Request(
        note.recipient,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "Harbour-alerts"},
    )
    with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise OSError(f"webhook answered HTTP {response.status}")


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(600, 5 * 2 ** (attempts - 1)))


def deliver_pending(now: datetime | None = None, limit: int = 200) -> int:
    """Send the notifications that are due; record each outcome. Returns how many were sent."""
    now = now or timezone.now()
    due = (
        Notification.objects.select_related("alert", "alert__person")
        .filter(status__in=("pending", "failed"), channel__in=("email", "webhook"))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("-alert__severity", "id")[:limit]
    )
    sent = 0
    for note in due:
        # Claim it (another worker may be running): the lease is the next attempt time.
        lease = now + timedelta(seconds=SEND_TIMEOUT * 6)
        claimed = Notification.objects.filter(
            pk=note.pk, attempts=note.attempts, status=note.status
        ).update(next_attempt_at=lease)
        if not claimed:
            continue
        note.attempts += 1
        try:
            _send(note)
        except (OSError, smtplib.SMTPException, urllib.error.URLError) as error:
            note.status = "gave-up" if note.attempts >= MAX_ATTEMPTS else "failed"
            note.last_error = f"{type(error).__name__}: {error}"[:300]
            note.next_attempt_at = timezone.now() + _backoff(note.attempts)
            log.warning(
                "alert %s: %s notification failed (attempt %s)",
                note.alert_id,
                note.channel,
                note.attempts,
            )
        else:
            note.status, note.sent_at, note.last_error, note.next_attempt_at = (
                "sent",
                timezone.now(),
                "",
                None,
            )
            sent += 1
        note.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "sent_at"])
    return sent
