"""Training: what each person must complete under the policy, when it falls due, and records.

The schedule follows ``[training.KEY]`` exactly:

* ``at_induction`` — due on the person's start date until a completion is recorded;
* ``every_months = N`` — due N calendar months after the newest completion (see
  :func:`harbour.apps.registers.dates.add_months` for month ends and 29 February). Before any
  completion it is due on the start date when the requirement is also at induction, else N
  months after the start date (the first refresher after joining);
* no start date on record — due at once, so the gap is visible rather than hidden.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from harbour.apps.audit.chain import actor_name, record
from harbour.apps.people.models import Person
from harbour.apps.registers.audited import save_audited
from harbour.apps.registers.dates import add_months
from harbour.apps.registers.models import Completion, Course
from harbour.paths import data_dir
from harbour.policy.model import Policy, TrainingRequirement

DUE_SOON_DAYS = 30
CERTIFICATE_TYPES = {".pdf", ".png", ".jpg", ".jpeg"}
MAX_CERTIFICATE_BYTES = 10 * 1024 * 1024


def role_for_training(person: Person) -> str | None:
    """The policy role whose training duties apply: a staff member's role, or 'governor'."""
    if person.kind == "staff":
        return person.role or "staff"
    if person.kind == "governor":
        return "governor"
    return None


def next_due(
    requirement: TrainingRequirement, start: date | None, last: date | None, today: date
) -> date | None:
    """When ``requirement`` is next due, given the start date and the newest completion;
    None when nothing more is required (an induction-only requirement that is done)."""
    if last is not None:
        return add_months(last, requirement.every_months) if requirement.every_months else None
    if start is None:
        return today
    if requirement.at_induction:
        return start
    assert requirement.every_months is not None  # the policy schema guarantees one of the two
    return add_months(start, requirement.every_months)


@dataclass(frozen=True)
class Duty:
    """One requirement for one person and where they stand."""

    key: str
    requirement: TrainingRequirement
    last: date | None
    due: date | None
    today: date

    @property
    def state(self) -> str:
        """'overdue', 'due soon', 'ok' or 'done'."""
        if self.due is None:
            return "done"
        if self.due < self.today:
            return "overdue"
        if (self.due - self.today).days <= DUE_SOON_DAYS:
            return "due soon"
        return "ok"


def last_completions(person_ids: list[int] | None = None) -> dict[tuple[int, str], date]:
    """Newest completion date per (person id, requirement key)."""
    rows = Completion.objects.select_related("course")
    if person_ids is not None:
        rows = rows.filter(person_id__in=person_ids)
    newest: dict[tuple[int, str], date] = {}
    for done in rows:
        for key in done.course.satisfies:
            slot = (done.person_id, key)
            if slot not in newest or newest[slot] < done.completed_on:
                newest[slot] = done.completed_on
    return newest


def duties(
    person: Person,
    policy: Policy,
    today: date | None = None,
    completions: dict[tuple[int, str], date] | None = None,
) -> list[Duty]:
    """The policy's training duties for ``person`` with their due dates."""
    today = today or timezone.localdate()
    role = role_for_training(person)
    if role is None:
        return []
    if completions is None:
        completions = last_completions([person.pk])
    found = []
    for key, requirement in policy.training.items():
        if role in requirement.roles:
            last = completions.get((person.pk, key))
            found.append(
                Duty(
                    key,
                    requirement,
                    last,
                    next_due(requirement, person.start_date, last, today),
                    today,
                )
            )
    return found


def compliance(policy: Policy, today: date | None = None) -> list[tuple[Person, list[Duty]]]:
    """Everyone with training duties, with each duty's state."""
    today = today or timezone.localdate()
    completions = last_completions()
    rows = []
    for person in Person.objects.filter(active=True, kind__in=["staff", "governor"]):
        found = duties(person, policy, today, completions)
        if found:
            rows.append((person, found))
    return rows


def course_for(key: str, policy: Policy) -> Course:
    """The course named after a policy requirement, created on first use."""
    requirement = policy.training[key]
    course, _ = Course.objects.get_or_create(title=requirement.title, defaults={"satisfies": [key]})
    return course


def add_course(
    title: str, provider: str, satisfies: list[str], policy: Policy, actor: Any
) -> Course:
    """A course (e.g. a provider's online module) that satisfies some of the policy's
    requirements; audited."""
    unknown = [key for key in satisfies if key not in policy.training]
    if unknown:
        raise ValueError(f"the policy has no training requirement {', '.join(unknown)}")
    if not title.strip() or not satisfies:
        raise ValueError("a course needs a title and at least one requirement it satisfies")
    if Course.objects.filter(title=title.strip()).exists():
        raise ValueError(f"there is already a course called {title.strip()!r}")
    values = {"title": title.strip(), "provider": provider.strip(), "satisfies": satisfies}
    return save_audited(None, Course, values, actor, "course", None)


def course_choice(value: str, policy: Policy) -> Course | None:
    """The course a form's choice names: ``course:ID``, or ``KEY`` for the requirement's own."""
    if value.startswith("course:") and value[7:].isdigit():
        return Course.objects.filter(pk=int(value[7:])).first()
    return course_for(value, policy) if value in policy.training else None


def record_completion(
    person: Person,
    course: Course,
    completed_on: date,
    actor: Any,
    *,
    provider: str = "",
    certificate: IO[bytes] | None = None,
    certificate_name: str = "",
) -> Completion:
    """Record a completion (and store its certificate, hashed); audited."""
    with transaction.atomic():
        done = Completion.objects.create(
            person=person,
            course=course,
            completed_on=completed_on,
            provider=provider or course.provider,
            recorded_by=actor_name(actor)[:150],
        )
        if certificate is not None:
            done.certificate, done.certificate_sha256 = _store(
                certificate, done.pk, certificate_name
            )
            done.certificate_name = Path(certificate_name).name[:200]
            done.save(update_fields=["certificate", "certificate_sha256", "certificate_name"])
        record(
            actor,
            "create",
            done,
            summary=f"training completed: {course.title}",
            after={
                "person": person.external_id,
                "course": course.title,
                "completed_on": completed_on,
                "provider": done.provider,
                "certificate_sha256": done.certificate_sha256,
            },
        )
    return done


def check_certificate(name: str, size: int) -> str | None:
    """A reason to refuse an uploaded certificate, or None."""
    if Path(name).suffix.lower() not in CERTIFICATE_TYPES:
        return f"certificates must be PDF or images ({', '.join(sorted(CERTIFICATE_TYPES))})"
    if size > MAX_CERTIFICATE_BYTES:
        return "certificates must be under 10 MB"
    return None


def certificates_dir() -> Path:
    """Where certificates are kept: the data dir's evidence/registers/training folder."""
    return data_dir() / "evidence" / "registers" / "training"


def _store(source: IO[bytes], completion_id: int, name: str) -> tuple[str, str]:
    """Copy to the certificates folder while hashing; return (relative path, sha256)."""
    folder = certificates_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{completion_id}{Path(name).suffix.lower()}"
    digest = hashlib.sha256()
    with open(target, "wb") as out:
        while chunk := source.read(65536):
            digest.update(chunk)
            out.write(chunk)
    return str(target.relative_to(data_dir())), digest.hexdigest()


def open_certificate(done: Completion) -> Path:
    """The stored certificate's path, after checking it still matches its hash."""
    path = data_dir() / done.certificate
    if hashlib.sha256(path.read_bytes()).hexdigest() != done.certificate_sha256:
        raise ValueError(f"certificate for completion {done.pk} does not match its recorded hash")
    return path
