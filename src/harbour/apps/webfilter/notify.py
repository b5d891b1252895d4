"""Email approvers when a request arrives and requesters when it is decided.

The worker sends (job ``filtering-notify``), so a page never waits for the mail server. An
email says only that something is waiting and where: no reasons (free text may name pupils).
A message that cannot be sent is tried again at the next turn.
"""

from __future__ import annotations

import logging
import os
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from harbour.apps.accounts.gate import PERMISSIONS
from harbour.apps.webfilter.models import PENDING, FilterRequest

log = logging.getLogger(__name__)
NOTIFY_EVERY_S = 15.0
_TIMEOUT = 10


def _link(path: str) -> str:
    return os.environ.get("HARBOUR_BASE_URL", "http://localhost:8000").rstrip("/") + path


def approver_emails(excluding: int | None = None) -> list[str]:
    """Addresses of everyone whose role may approve unblocks (but the requester)."""
    roles = PERMISSIONS["filtering.approve_unblock"]
    users = get_user_model().objects.filter(is_active=True, profile__role__in=roles)
    return sorted({u.email for u in users.exclude(pk=excluding).exclude(email="")})


def _request_email(item: FilterRequest, to: list[str]) -> EmailMessage:
    subject = f"Harbour: unblock request #{item.pk} is waiting for a decision"
    body = (
        f"{item.get_kind_display()}: {item.target_label}, for {item.audience}.\n"
        f"Asked by {item.requested_by.get_full_name() or item.requested_by.username}.\n\n"
        f"Decide it in Harbour: {_link('/filtering/queue/')}\n"
    )
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to)


def _decision_email(item: FilterRequest) -> EmailMessage:
    subject = f"Harbour: your request #{item.pk} was {item.status}"
    body = (
        f"{item.get_kind_display()}: {item.target_label}, for {item.audience}: "
        f"{item.get_status_display().lower()}.\n\nThe note is in Harbour: "
        f"{_link('/filtering/requests/')}\n"
    )
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [item.requested_by.email])


def send_notifications(limit: int = 100) -> int:
    """Send what is due; return how many emails went. Mail-server failures are logged and the
    messages retried next time."""
    sent = 0
    waiting = FilterRequest.objects.filter(status=PENDING, approvers_told_at=None)
    decided = FilterRequest.objects.filter(
        status__in=["approved", "refused"], requester_told_at=None
    )
    try:
        with get_connection(timeout=_TIMEOUT) as connection:
            for item in waiting.select_related("requested_by")[:limit]:
                to = approver_emails(excluding=item.requested_by_id)
                if to:
                    connection.send_messages([_request_email(item, to)])
                    sent += 1
                FilterRequest.objects.filter(pk=item.pk).update(approvers_told_at=timezone.now())
            for item in decided.select_related("requested_by")[:limit]:
                if item.requested_by.email:
                    connection.send_messages([_decision_email(item)])
                    sent += 1
                FilterRequest.objects.filter(pk=item.pk).update(requester_told_at=timezone.now())
    except (OSError, smtplib.SMTPException) as exc:
        # The class only: SMTP errors quote addresses, which stay out of the application log.
        log.warning("unblock notifications not sent, will retry: %s", type(exc).__name__)
    return sent
