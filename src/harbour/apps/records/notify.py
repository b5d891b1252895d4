"""Tell the DSL team a record is waiting, without saying anything of what it contains."""

from __future__ import annotations

import logging
import os

from django.contrib.auth.models import User
from django.core.mail import send_mail

from harbour.apps.accounts.gate import PERMISSIONS
from harbour.apps.records import vocab
from harbour.apps.records.models import Record

log = logging.getLogger(__name__)


def team_addresses(record: Record) -> list[str]:
    """Who is told of a new record: the DSL and deputies; for an allegation, the headteacher
    too. Never the member of staff an allegation is about."""
    permission = (
        "records.manage_allegations" if record.kind == vocab.ALLEGATION else "records.manage"
    )
    users = User.objects.filter(is_active=True, profile__role__in=PERMISSIONS[permission]).exclude(
        email=""
    )
    if record.kind == vocab.ALLEGATION:
        subjects = record.involvements.filter(part="instigator").values_list(
            "person__username", flat=True
        )
        users = users.exclude(username__in=[name for name in subjects if name])
    return sorted({u.email for u in users})


def new_record(record: Record) -> int:
    """Send the notice; a mail failure is logged (without personal data) and never loses the
    record. Returns the number of messages sent."""
    recipients = team_addresses(record)
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
