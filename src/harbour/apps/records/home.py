"""Home-page cards: overdue actions and new records for the DSL team; a report button for all."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from harbour.apps.accounts.gate import can
from harbour.apps.records import service, vocab
from harbour.apps.records.access import visible_records


def cards(request: HttpRequest) -> list[dict[str, Any]]:
    """The cards for this user's home page."""
    user = request.user
    out: list[dict[str, Any]] = []
    if can(user, "records.manage"):
        overdue = service.overdue_actions(user)
        out.append(
            {
                "title": "Overdue actions",
                "value": len(overdue),
                "text": "; ".join(f"{a.record}: {a.title} (due {a.due_on})" for a in overdue[:5])
                or "None overdue.",
                "url": "/records/?status=open",
                "css": "sev5" if overdue else "",
            }
        )
        new = visible_records(user).filter(status=vocab.NEW).count()
        out.append(
            {
                "title": "New records",
                "value": new,
                "text": "reported and not yet opened",
                "url": "/records/?status=new",
                "css": "sev4" if new else "",
            }
        )
    elif can(user, "records.manage_allegations"):
        waiting = (
            visible_records(user).filter(kind=vocab.ALLEGATION).exclude(status=vocab.CLOSED).count()
        )
        out.append(
            {
                "title": "Allegations against staff",
                "value": waiting,
                "text": "not yet closed",
                "url": "/records/",
                "css": "sev4" if waiting else "",
            }
        )
    if not can(user, "records.manage") and can(user, "safeguarding.report"):
        out.append(
            {
                "title": "Report a concern",
                "value": "",
                "text": "Worried about a child or about staff "
                "conduct? Report it now; the safeguarding team is told at once.",
                "url": "/records/report/",
                "css": "",
            }
        )
    return out
