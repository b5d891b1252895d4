"""Retention: closed alerts older than the policy's retention period are deleted, audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from harbour.apps.alerts.models import Alert
from harbour.apps.alerts.routing import monitoring_settings
from harbour.apps.audit.chain import record, snapshot

CLOSED_STATUSES = ("closed", "false-positive")
BATCH = 1000


def purge_expired(now: datetime | None = None) -> int:
    """Delete alerts closed more than ``retention_days`` ago.

    Open alerts are never deleted, however old: an alert nobody finished is a problem to see,
    not to tidy away. Returns how many were deleted.
    """
    now = now or timezone.now()
    days = monitoring_settings().retention_days
    cutoff = now - timedelta(days=days)
    expired = Alert.objects.filter(status__in=CLOSED_STATUSES, closed_at__lt=cutoff)
    deleted = 0
    for alert in list(expired[:BATCH]):  # the rest go on the next run
        with transaction.atomic():
            record(
                "retention",
                "delete",
                alert,
                summary=f"closed alert deleted after {days} days",
                before=snapshot(alert, exclude=("evidence",)),
            )
            alert.delete()
        deleted += 1
    return deleted
