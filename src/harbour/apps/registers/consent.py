"""Photo and video consent per pupil and use, with its history, and "may we publish this?"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from harbour.apps.people.models import Person
from harbour.apps.registers.audited import save_audited
from harbour.apps.registers.models import CONSENT_USES, Consent, PhonePermission

USES = dict(CONSENT_USES)


def set_consent(
    pupil: Person,
    use: str,
    granted: bool,
    effective_on: date,
    given_by: str,
    actor: Any,
    notes: str = "",
) -> Consent:
    """Record a consent decision from ``effective_on`` (earlier decisions stay as history)."""
    if pupil.kind != "pupil":
        raise ValueError(f"{pupil.external_id} is not a pupil")
    if use not in USES:
        raise ValueError(f"unknown use {use!r}; one of: {', '.join(USES)}")
    fields = {
        "pupil": pupil,
        "use": use,
        "granted": granted,
        "effective_on": effective_on,
        "given_by": given_by,
        "notes": notes,
    }
    summary = f"consent for {USES[use]}: {'given' if granted else 'refused'}"
    return save_audited(None, Consent, fields, actor, "consent", "recorded_by", summary)


def in_force(pupil_ids: list[int], use: str, on: date) -> dict[int, Consent]:
    """The consent decision in force on ``on`` for each pupil (absent when none recorded)."""
    found: dict[int, Consent] = {}
    rows = Consent.objects.filter(pupil_id__in=pupil_ids, use=use, effective_on__lte=on)
    for row in rows.order_by("pupil_id", "-effective_on", "-id"):
        found.setdefault(row.pupil_id, row)
    return found


@dataclass(frozen=True)
class PublishAnswer:
    """'May we publish this?' for one pupil: yes or no, and why."""

    pupil: Person
    allowed: bool
    reason: str


def may_publish(pupils: list[Person], use: str, on: date | None = None) -> list[PublishAnswer]:
    """Yes only with consent for this use in force on the day; every answer gives its reason."""
    if use not in USES:
        raise ValueError(f"unknown use {use!r}; one of: {', '.join(USES)}")
    on = on or timezone.localdate()
    decisions = in_force([p.pk for p in pupils], use, on)
    answers = []
    for pupil in pupils:
        row = decisions.get(pupil.pk)
        if row is None:
            answers.append(
                PublishAnswer(pupil, False, f"no consent recorded for {USES[use].lower()}")
            )
        elif row.granted:
            answers.append(
                PublishAnswer(
                    pupil, True, f"consent given by {row.given_by} from {row.effective_on:%d %b %Y}"
                )
            )
        else:
            answers.append(
                PublishAnswer(
                    pupil,
                    False,
                    f"consent refused by {row.given_by} from {row.effective_on:%d %b %Y}",
                )
            )
    return answers


def find_pupils(text: str) -> tuple[list[Person], list[str]]:
    """Pupils named in ``text`` (one per line or comma: UPN, username or 'First Last');
    returns the pupils found and the lines that matched nobody or several people."""
    found: list[Person] = []
    unknown: list[str] = []
    pupils = Person.objects.filter(kind="pupil", active=True)
    for item in (part.strip() for line in text.splitlines() for part in line.split(",")):
        if not item:
            continue
        matches = list(pupils.filter(external_id__iexact=item)) or list(
            pupils.filter(username__iexact=item)
        )
        if not matches and " " in item:
            first, last = item.rsplit(" ", 1)
            matches = list(pupils.filter(first_name__iexact=first, last_name__iexact=last))
            matches = matches or list(
                pupils.filter(preferred_name__iexact=first, last_name__iexact=last)
            )
        if len(matches) == 1:
            found.append(matches[0])
        else:
            unknown.append(f"{item} ({'several pupils' if matches else 'no pupil'} by that name)")
    return found, unknown


def set_phone_permission(
    pupil: Person,
    granted: bool,
    signed_by: str,
    effective_on: date,
    actor: Any,
    reason: str = "",
    expires_on: date | None = None,
) -> PhonePermission:
    """Record a mobile phone permission form (older forms stay as history)."""
    if pupil.kind != "pupil":
        raise ValueError(f"{pupil.external_id} is not a pupil")
    fields = {
        "pupil": pupil,
        "granted": granted,
        "reason": reason,
        "signed_by": signed_by,
        "effective_on": effective_on,
        "expires_on": expires_on,
    }
    summary = f"mobile phone permission {'granted' if granted else 'refused'}"
    return save_audited(None, PhonePermission, fields, actor, "phone", "recorded_by", summary)


def phone_permission(pupil: Person, on: date | None = None) -> PhonePermission | None:
    """The permission form in force for a pupil on a day (None: no phone in school)."""
    on = on or timezone.localdate()
    row = pupil.phone_permissions.filter(effective_on__lte=on).first()
    if row is None or (row.expires_on is not None and row.expires_on < on):
        return None
    return row
