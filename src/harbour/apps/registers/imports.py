"""CSV import of existing training and consent records: every row checked first, then all
applied in one transaction or none. Problems are reported as ``FILE:LINE: message``.

Training columns: ``id`` (staff code or governor id), ``requirement`` (a ``[training.KEY]`` of
the policy) or ``course`` (a course title already in Harbour), ``completed_on``, ``provider``.
Consent columns: ``upn``, ``use`` (website, social-media, newsletter, press), ``consent``
(yes/no), ``from`` (date), ``given_by``, ``notes``. Dates are YYYY-MM-DD or DD/MM/YYYY.
Rows already recorded (same person, course or use, date and answer) are skipped, so a file
can be imported again safely.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from harbour.apps.people.models import Person
from harbour.apps.registers import consent, training
from harbour.apps.registers.models import Completion, Consent, Course
from harbour.policy.model import Policy

COLUMNS = {
    "training": {
        "id": ("id", "external_id", "staff code", "staff_code"),
        "requirement": ("requirement",),
        "course": ("course", "course title"),
        "completed_on": ("completed_on", "completed", "date"),
        "provider": ("provider",),
    },
    "consent": {
        "id": ("upn", "id", "external_id"),
        "use": ("use",),
        "consent": ("consent", "granted"),
        "from": ("from", "effective_on", "date"),
        "given_by": ("given_by", "given by", "parent"),
        "notes": ("notes",),
    },
}
REQUIRED = {
    "training": ("id", "completed_on"),
    "consent": ("id", "use", "consent", "from", "given_by"),
}
YES = {"yes", "y", "true", "1", "given", "granted"}
NO = {"no", "n", "false", "0", "refused", "withdrawn"}


class ImportProblems(Exception):
    """The file cannot be imported; ``problems`` lists every ``FILE:LINE: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Plan:
    """What an import would add, and how many rows were already there."""

    kind: str
    add: list[dict[str, Any]] = field(default_factory=list)
    already: int = 0

    def summary(self) -> str:
        return f"{len(self.add)} {self.kind} record(s) to add, {self.already} already recorded"


def parse_date(text: str) -> date:
    """YYYY-MM-DD or DD/MM/YYYY."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")


def _rows(text: str, source: str, kind: str) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """Rows keyed by our column names, with their line numbers; header problems."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        return [], [f"{source}:1: the file is empty (expected a header row)"]
    names = [h.strip().lower() for h in header]
    where: dict[str, int] = {}
    for ours, spellings in COLUMNS[kind].items():
        for index, name in enumerate(names):
            if name in spellings:
                where[ours] = index
    problems = [f"{source}:1: missing column {c!r}" for c in REQUIRED[kind] if c not in where]
    if kind == "training" and "requirement" not in where and "course" not in where:
        problems.append(f"{source}:1: need a 'requirement' or a 'course' column")
    rows = []
    for cells in reader:
        if any(c.strip() for c in cells):
            rows.append(
                (
                    reader.line_num,
                    {k: (cells[i].strip() if i < len(cells) else "") for k, i in where.items()},
                )
            )
    return rows, problems


def plan(kind: str, text: str, source: str, policy: Policy) -> Plan:
    """Check every row of a training or consent CSV; raise :class:`ImportProblems` if any is bad."""
    if kind not in COLUMNS:
        raise ValueError(f"unknown import {kind!r}; one of: {', '.join(COLUMNS)}")
    rows, problems = _rows(text, source, kind)
    if problems:
        raise ImportProblems(problems)
    people = {
        p.external_id: p for p in Person.objects.filter(external_id__in=[r["id"] for _, r in rows])
    }
    check = _training_row if kind == "training" else _consent_row
    result = Plan(kind)
    for line, row in rows:
        try:
            values = check(row, people, policy)
        except ValueError as exc:
            problems.append(f"{source}:{line}: {exc}")
            continue
        if _already(kind, values) or values in result.add:
            result.already += 1
        else:
            result.add.append(values)
    if problems:
        raise ImportProblems(problems)
    return result


def _person(row: dict[str, str], people: dict[str, Person], kinds: tuple[str, ...]) -> Person:
    person = people.get(row["id"])
    if person is None:
        raise ValueError(f"nobody has the id {row['id']!r}")
    if person.kind not in kinds:
        raise ValueError(f"{row['id']} is a {person.kind}, not a {' or '.join(kinds)}")
    return person


def _training_row(row: dict[str, str], people: dict[str, Person], policy: Policy) -> dict[str, Any]:
    person = _person(row, people, ("staff", "governor"))
    key, title = row.get("requirement", ""), row.get("course", "")
    if key:
        if key not in policy.training:
            raise ValueError(
                f"the policy has no training requirement {key!r} ({', '.join(policy.training)})"
            )
        title = policy.training[key].title
    elif title:
        if not Course.objects.filter(title=title).exists():
            raise ValueError(f"no course called {title!r}; give a 'requirement' instead")
    else:
        raise ValueError("give a requirement or a course")
    completed_on = parse_date(row["completed_on"])
    if completed_on > timezone.localdate():
        raise ValueError(f"completed_on {completed_on} is in the future")
    return {
        "person": person,
        "requirement": key,
        "course": title,
        "completed_on": completed_on,
        "provider": row.get("provider", ""),
    }


def _consent_row(row: dict[str, str], people: dict[str, Person], policy: Policy) -> dict[str, Any]:
    pupil = _person(row, people, ("pupil",))
    use = row["use"].lower().replace(" ", "-")
    if use not in consent.USES:
        raise ValueError(f"use {row['use']!r} is not one of: {', '.join(consent.USES)}")
    answer = row["consent"].lower()
    if answer not in YES | NO:
        raise ValueError(f"consent {row['consent']!r} must be yes or no")
    if not row["given_by"]:
        raise ValueError("given_by is empty: who gave or refused consent?")
    return {
        "pupil": pupil,
        "use": use,
        "granted": answer in YES,
        "effective_on": parse_date(row["from"]),
        "given_by": row["given_by"],
        "notes": row.get("notes", ""),
    }


def _already(kind: str, values: dict[str, Any]) -> bool:
    if kind == "consent":
        return Consent.objects.filter(
            pupil=values["pupil"],
            use=values["use"],
            granted=values["granted"],
            effective_on=values["effective_on"],
        ).exists()
    return Completion.objects.filter(
        person=values["person"], course__title=values["course"], completed_on=values["completed_on"]
    ).exists()


def apply(result: Plan, policy: Policy, actor: Any) -> int:
    """Write every planned record in one transaction (each audited); returns how many."""
    write: Callable[[dict[str, Any]], Any]
    if result.kind == "training":

        def write(v: dict[str, Any]) -> Any:
            key = v["requirement"]
            course = (
                training.course_for(key, policy) if key else Course.objects.get(title=v["course"])
            )
            return training.record_completion(
                v["person"], course, v["completed_on"], actor, provider=v["provider"]
            )
    else:

        def write(v: dict[str, Any]) -> Any:
            return consent.set_consent(
                v["pupil"],
                v["use"],
                v["granted"],
                v["effective_on"],
                v["given_by"],
                actor,
                notes=v["notes"],
            )

    with transaction.atomic():
        for values in result.add:
            write(values)
    return len(result.add)
