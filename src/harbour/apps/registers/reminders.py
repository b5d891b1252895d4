"""Reminders: agreements to sign and training falling due, listed and (optionally) emailed.

Emails say only what is due and where to go; nothing about anyone else."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from harbour.apps.audit.chain import record
from harbour.apps.people.models import Person
from harbour.apps.registers import aup, training
from harbour.policy.model import Policy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reminder:
    person: Person
    kind: str  # "agreement" or "training"
    what: str
    due: date | None
    state: str


def due_reminders(policy: Policy, today: date | None = None) -> list[Reminder]:
    """Everything someone must do now or within the due-soon window."""
    today = today or timezone.localdate()
    found: list[Reminder] = []
    _, outstanding = aup.coverage(policy, today)
    for person, keys in outstanding:
        if person.kind == "pupil":
            continue  # pupils and parents sign in class or on paper; the list is for staff to chase
        for key in keys:
            found.append(
                Reminder(person, "agreement", policy.acceptable_use[key].title, None, "to sign")
            )
    for person, duties in training.compliance(policy, today):
        for duty in duties:
            if duty.state in {"overdue", "due soon"}:
                found.append(
                    Reminder(person, "training", duty.requirement.title, duty.due, duty.state)
                )
    return found


def send(policy: Policy, today: date | None = None, actor: Any = "system") -> tuple[int, int]:
    """Email each person with an address their own reminders; returns (emails sent, skipped)."""
    today = today or timezone.localdate()
    by_person: dict[int, list[Reminder]] = defaultdict(list)
    for item in due_reminders(policy, today):
        by_person[item.person.pk].append(item)
    sent = skipped = 0
    for items in by_person.values():
        person = items[0].person
        if not person.email:
            skipped += 1
            continue
        lines = [
            f"- {i.what}: {i.state}" + (f" (due {i.due:%d %b %Y})" if i.due else "") for i in items
        ]
        body = (
            f"Dear {person.display_name},\n\nHarbour's records show these online-safety items for you:\n"
            + "\n".join(lines)
            + "\n\nSign in to Harbour and open 'My agreements' to deal with them.\n"
        )
        try:
            send_mail(
                f"{policy.school.name}: online safety reminders",
                body,
                settings.DEFAULT_FROM_EMAIL,
                [person.email],
            )
            sent += 1
        except OSError as exc:
            log.warning("reminder email failed: %s", exc.__class__.__name__)
            skipped += 1
    record(
        actor,
        "remind",
        ("registers.reminders", today.isoformat()),
        summary=f"reminders: {sent} emailed, {skipped} not emailed",
        after={"sent": sent, "skipped": skipped},
    )
    return sent, skipped


REFRESH_EVERY_S = 3600.0  # agreements lapse and guest devices expire with the clock
REMINDER_WEEKDAY = 0  # Monday


def refresh_job() -> None:
    """Worker job: rewrite the gateway snapshot so lapsed agreements and expired devices apply."""
    from harbour.apps.policies.service import write_gateway_snapshot

    write_gateway_snapshot()


def reminder_job() -> None:
    """Worker job: email reminders once on the reminder weekday."""
    from harbour.apps.audit.models import AuditEntry
    from harbour.apps.policies.service import NoPolicy, current_policy

    today = timezone.localdate()
    if today.weekday() != REMINDER_WEEKDAY:
        return
    if AuditEntry.objects.filter(
        object_type="registers.reminders", object_id=today.isoformat()
    ).exists():
        return
    try:
        send(current_policy(), today)
    except NoPolicy:
        return


def join_worker() -> None:
    """Register the jobs with the events worker, when that worker is installed."""
    try:
        from harbour.apps.events.worker import register_job
    except ImportError:
        return
    register_job("registers-refresh", REFRESH_EVERY_S, refresh_job)
    register_job("registers-reminders", REFRESH_EVERY_S, reminder_job)
