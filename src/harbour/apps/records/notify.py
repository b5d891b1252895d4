"""Tell the DSL team a record is waiting, without saying anything of what it contains."""

from __future__ import annotations

import logging
import os

from django.contrib.auth.models import User
from django.core.mail import send_mail

from harbour.apps.accounts.gate import PERMISSIONS
from harbour.apps.records.models import Record

log = logging.getLogger(__name__)


def dsl_team_addresses() -> list[str]:
    """E-mail addresses of everyone who manages records (the DSL and deputies)."""
    roles = PERMISSIONS["records.manage"]
    users = User.objects.filter(is_active=True, profile__role__in=roles).exclude(email="")
    return sorted({u.email for u in users})


def new_record(record: Record) -> int:
    """Send the notice; a mail failure is logged (without personal data) and never loses the
    record. Returns the number of messages sent."""
    recipients = dsl_team_addresses()
    if not recipients:
        return 0
    base = os.environ.get("HARBOUR_BASE_URL", "http://localhost:8000").rstrip("/")
    body = (
        f"A new {record.get_kind_display().lower()} (#{record.pk}, severity {record.severity}) "
        f"has been recorded in Harbour.\n\nSign in to read it: {base}/records/{record.pk}/\n\n"
        "This message deliberately holds no details of the record."
    )
    try:
        return send_mail(f"Harbour: new record #{record.pk} to review", body, None, recipients)
    except OSError as error:
        log.error(
            "could not send the new-record notice for record %s: %s",
            record.pk,
            type(error).__name__,
        )
        return 0
