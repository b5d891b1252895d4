"""Home-page card: unblock requests waiting for IT or the DSL."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from harbour.apps.accounts.gate import can
from harbour.apps.webfilter.models import PENDING, FilterRequest


def queue_cards(request: HttpRequest) -> list[dict[str, Any]]:
    """One card for approvers: how many requests wait for a decision."""
    if not can(request.user, "filtering.approve_unblock"):
        return []
    waiting = FilterRequest.objects.filter(status=PENDING).count()
    return [
        {
            "title": "Unblock requests",
            "value": waiting,
            "text": "waiting for a decision" if waiting else "nothing waiting",
            "url": "/filtering/queue/",
            "css": "sev4" if waiting else "",
        }
    ]
