"""A pupil's chronology: every record, alert, step, action, note and transfer in time order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone

from harbour.apps.people.models import Person
from harbour.apps.records import flowchart
from harbour.apps.records.models import Record, Transfer


@dataclass(frozen=True)
class Entry:
    """One line of a chronology."""

    at: datetime
    what: str
    text: str
    record_id: int | None = None
    alert_id: str = ""


def _moment(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return timezone.make_aware(datetime.combine(value, time(12, 0)))


def entries_for(person: Person) -> list[Entry]:
    """Every entry that concerns ``person``, oldest first."""
    out: list[Entry] = []
    records = (
        Record.objects.filter(involvements__person=person)
        .distinct()
        .prefetch_related("involvements", "actions", "notes", "steps", "alert_links", "evidence")
    )
    for rec in records:
        parts = ", ".join(
            sorted({i.part for i in rec.involvements.all() if i.person_id == person.pk})
        )
        out.append(
            Entry(
                rec.occurred_at,
                f"{rec.get_kind_display()} ({parts})",
                f"{rec.get_risk_category_display()}, severity {rec.severity}: {rec.what_happened}",
                rec.pk,
            )
        )
        for link in rec.alert_links.all():
            out.append(
                Entry(
                    link.raised_at or link.linked_at,
                    "Monitoring alert",
                    f"alert {link.alert_id}: {link.summary}",
                    rec.pk,
                    link.alert_id,
                )
            )
        for step in rec.steps.all():
            label = flowchart.STEPS[step.step].text if step.step in flowchart.STEPS else step.step
            ref = f" (ref {step.reference})" if step.reference else ""
            out.append(
                Entry(step.recorded_at, "Flowchart step", f"{label}: {step.answer}{ref}", rec.pk)
            )
        for action in rec.actions.all():
            origin = (
                f"recommended by policy {action.policy_version[:12]}"
                if action.recommended
                else "added"
            )
            out.append(Entry(action.created_at, "Action", f"{action.title} ({origin})", rec.pk))
            if action.status != "pending":
                why = f": {action.reason}" if action.reason else ""
                out.append(
                    Entry(
                        _moment(action.done_on or action.created_at),
                        "Action " + action.get_status_display().lower(),
                        f"{action.title}{why}",
                        rec.pk,
                    )
                )
        for note in rec.notes.all():
            out.append(Entry(note.created_at, f"Note by {note.author}", note.text, rec.pk))
        for item in rec.evidence.all():
            out.append(
                Entry(
                    item.added_at,
                    "Evidence",
                    item.url or f"{item.filename} (sha256 {item.sha256[:12]}…)",
                    rec.pk,
                )
            )
        if rec.closed_at:
            out.append(
                Entry(
                    rec.closed_at, "Closed", f"{rec.outcome} (reason: {rec.closing_reason})", rec.pk
                )
            )
    linked = {e.alert_id for e in out if e.alert_id}
    out.extend(e for e in _alerts(person) if e.alert_id not in linked)
    for sent in Transfer.objects.filter(person=person):
        receipt = (
            f", receipt confirmed {sent.receipt_confirmed_on}" if sent.receipt_confirmed_on else ""
        )
        out.append(
            Entry(_moment(sent.sent_on), "File transferred", f"to {sent.destination}{receipt}")
        )
    return sorted(out, key=lambda e: e.at)


def _alerts(person: Person) -> list[Entry]:
    """Monitoring alerts about the person, when the alerts area is installed."""
    from django.apps import apps

    if not apps.is_installed("harbour.apps.alerts"):
        return []
    alert_model = apps.get_model("alerts", "Alert")
    return [
        Entry(
            a.first_seen,
            "Monitoring alert",
            f"alert {a.pk}: {a.category}, severity {a.severity}, {a.get_status_display().lower()}",
            alert_id=str(a.pk),
        )
        for a in alert_model.objects.filter(person=person)
    ]


def render_pdf(context: dict[str, Any]) -> bytes:
    """The transfer file as PDF (WeasyPrint), from the chronology template."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string("harbour/records/transfer_pdf.html", context)
    return HTML(string=html).write_pdf()
