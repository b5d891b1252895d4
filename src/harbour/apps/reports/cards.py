"""Home-page card: last week at a glance for those who receive the weekly report."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from harbour.apps.accounts.gate import can
from harbour.apps.alerts.models import Alert
from harbour.apps.events.models import DecisionEvent
from harbour.apps.policies.service import NoPolicy, current_policy
from harbour.apps.reports.period import last_week


def home_cards(request: HttpRequest) -> list[dict[str, Any]]:
    """Blocked attempts, locked-tier hits and serious alerts of last week, linking the report."""
    if not can(request.user, "reports.weekly"):
        return []
    try:
        zone = current_policy().zone()
    except NoPolicy:
        return []
    week = last_week(timezone.localdate(), zone)
    blocked = DecisionEvent.objects.filter(time__gte=week.since, time__lt=week.until, action="block").aggregate(
        n=Count("id"), locked=Count("id", filter=Q(reason_code="locked"))
    )
    serious = Alert.objects.filter(first_seen__gte=week.since, first_seen__lt=week.until, severity__gte=4).count()
    text = f"{serious} serious alert{'s' if serious != 1 else ''}"
    if blocked["locked"]:
        text += f", {blocked['locked']} illegal-content block{'s' if blocked['locked'] != 1 else ''}"
    return [{
        "title": "Last week's filtering and monitoring",
        "value": f"{blocked['n']} blocked",
        "text": f"{text} ({week.label()}). Open the weekly report.",
        "url": "/reports/weekly/",
        "css": "sev4" if blocked["locked"] or serious else "",
    }]
