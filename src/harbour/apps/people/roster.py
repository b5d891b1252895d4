"""Roster import from a CSV export of the school's MIS: validated whole, applied whole.

Columns (header names are matched case-insensitively; common MIS spellings are accepted):

=============== ==================================================== ==========================
column          meaning                                              also accepted
=============== ==================================================== ==========================
kind            pupil, staff, governor or visitor                    type
external_id     UPN (pupils) or staff code — the row's identity      upn, staff code, id
last_name       surname                                              legal surname, surname
first_name      forename                                             legal forename, forename
preferred_name  preferred forename (optional)                        preferred forename
year            national curriculum year, 0 = reception (pupils)     nc year, year group
class           registration group or class (optional)               reg group, form
date_of_birth   YYYY-MM-DD or DD/MM/YYYY (pupils)                    dob
start_date      admission / start date (optional)                    admission date
username        network login, as the proxy sees it (optional)       login
email           (optional)
role            staff, dsl, deputy-dsl, headteacher, it-technician    (staff only; default staff)
groups          nominated policy groups, separated by ';' (optional)  nominated groups
=============== ==================================================== ==========================
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction

from harbour.apps.audit.chain import record, snapshot
from harbour.apps.people.models import Person
from harbour.policy.model import ROLES, Policy

ALIASES = {
    "kind": ("kind", "type"),
    "external_id": ("external_id", "upn", "staff code", "staff_code", "id"),
    "last_name": ("last_name", "legal surname", "surname"),
    "first_name": ("first_name", "legal forename", "forename"),
    "preferred_name": ("preferred_name", "preferred forename"),
    "year": ("year", "nc year", "year group"),
    "class_name": ("class", "reg group", "registration group", "form"),
    "date_of_birth": ("date_of_birth", "dob", "date of birth"),
    "start_date": ("start_date", "admission date", "start date"),
    "username": ("username", "login"),
    "email": ("email", "email address"),
    "role": ("role",),
    "nominated_groups": ("groups", "nominated groups"),
}
REQUIRED = ("kind", "external_id", "last_name", "first_name")
FIELDS = tuple(ALIASES)


class RosterError(Exception):
    """A roster that cannot be imported; ``problems`` holds every ``FILE:ROW: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class RosterPlan:
    """What an import would do."""

    create: list[dict[str, Any]] = field(default_factory=list)
    update: list[tuple[Person, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    leave: list[Person] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{len(self.create)} to add, {len(self.update)} to update, {self.unchanged} unchanged"
        return text + (f", {len(self.leave)} to mark as left" if self.leave else "")


def _date(value: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def _columns(header: list[str]) -> dict[str, int]:
    lowered = [h.strip().lower() for h in header]
    found = {}
    for name, spellings in ALIASES.items():
        for spelling in spellings:
            if spelling in lowered:
                found[name] = lowered.index(spelling)
                break
    return found


def _row_values(row: list[str], columns: dict[str, int], policy: Policy) -> dict[str, Any]:
    """Turn one CSV row into Person fields; raise ValueError('column: message')."""
    raw = {name: (row[i].strip() if i < len(row) else "") for name, i in columns.items()}
    values: dict[str, Any] = {}
    kind = raw.get("kind", "").lower()
    if kind not in {"pupil", "staff", "governor", "visitor"}:
        raise ValueError(f"kind: {raw.get('kind')!r} is not pupil, staff, governor or visitor")
    values["kind"] = kind
    for name in ("external_id", "last_name", "first_name"):
        if not raw.get(name):
            raise ValueError(f"{name}: required")
        values[name] = raw[name]
    values["preferred_name"] = raw.get("preferred_name", "")
    values["class_name"] = raw.get("class_name", "")
    values["email"] = raw.get("email", "")
    values["username"] = raw.get("username") or None
    year = raw.get("year", "")
    if year:
        text = year.upper().removeprefix("Y").removeprefix("EAR").strip()
        text = "0" if text in {"R", "RECEPTION"} else text
        if not text.lstrip("-").isdigit() or not -1 <= int(text) <= 13:
            raise ValueError(f"year: {year!r} is not a school year (R or 0 to 13)")
        values["year"] = int(text)
    else:
        values["year"] = None
    if kind == "pupil" and values["year"] is None:
        raise ValueError("year: required for pupils")
    for name in ("date_of_birth", "start_date"):
        values[name] = _date(raw[name]) if raw.get(name) else None
    role = raw.get("role", "").lower()
    if kind == "staff":
        role = role or "staff"
        if role not in ROLES or role == "governor":
            raise ValueError(f"role: {raw.get('role')!r} is not a staff role ({', '.join(r for r in ROLES if r != 'governor')})")
    elif kind == "governor":
        role = "governor"
    elif role:
        raise ValueError(f"role: only staff have roles, not {kind}s")
    values["role"] = role
    groups = [g.strip() for g in raw.get("nominated_groups", "").split(";") if g.strip()]
    for group in groups:
        if group not in policy.groups or not policy.groups[group].nominated:
            nominated = ", ".join(n for n, g in policy.groups.items() if g.nominated) or "none"
            raise ValueError(f"groups: {group!r} is not a nominated group of the policy ({nominated})")
    values["nominated_groups"] = groups
    return values


def parse_roster(text: str, filename: str, policy: Policy) -> list[dict[str, Any]]:
    """Validate every row; raise :class:`RosterError` with all problems, or return the rows."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise RosterError([f"{filename}:1: the file is empty"]) from None
    columns = _columns(header)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise RosterError([f"{filename}:1: missing column(s): {', '.join(missing)}"])
    problems, rows, seen = [], [], {}
    usernames: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            values = _row_values(row, columns, policy)
        except ValueError as exc:
            problems.append(f"{filename}:{number}: {exc}")
            continue
        key = values["external_id"]
        if key in seen:
            problems.append(f"{filename}:{number}: external_id: {key!r} already on row {seen[key]}")
        seen[key] = number
        if values["username"]:
            if values["username"] in usernames:
                problems.append(f"{filename}:{number}: username: {values['username']!r} already on row {usernames[values['username']]}")
            usernames[values["username"]] = number
        rows.append(values)
    if problems:
        raise RosterError(problems)
    return rows


def plan_import(rows: list[dict[str, Any]], mark_leavers: bool = False) -> RosterPlan:
    """Compare validated rows with the directory."""
    plan = RosterPlan()
    existing = {p.external_id: p for p in Person.objects.all()}
    for values in rows:
        person = existing.pop(values["external_id"], None)
        if person is None:
            plan.create.append(values)
            continue
        changes = {k: v for k, v in values.items() if getattr(person, k) != v}
        if not person.active:
            changes["active"] = True
        if changes:
            plan.update.append((person, changes))
        else:
            plan.unchanged += 1
    if mark_leavers:
        plan.leave = [p for p in existing.values() if p.active]
    return plan


def apply_plan(plan: RosterPlan, actor: Any) -> None:
    """Apply a plan in one transaction, auditing every change."""
    with transaction.atomic():
        for values in plan.create:
            person = Person.objects.create(**values)
            record(actor, "create", person, summary="roster import", after=snapshot(person))
        for person, changes in plan.update:
            before = snapshot(person)
            for key, value in changes.items():
                setattr(person, key, value)
            person.save()
            record(actor, "update", person, summary="roster import", before=before, after=snapshot(person))
        for person in plan.leave:
            before = snapshot(person)
            person.active = False
            person.leave_date = date.today()
            person.save()
            record(actor, "update", person, summary="roster import: left", before=before, after=snapshot(person))
