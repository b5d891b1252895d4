"""The staff online-safety self-audit: a short questionnaire whose "no" answers are training
needs. The questions cover what the school's policies expect every adult to know (our wording)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from harbour.apps.audit.chain import record
from harbour.apps.people.models import Person
from harbour.apps.registers.models import SelfAudit


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    need: str  # the training need a "no" reveals


QUESTIONS = (
    Question(
        "lead",
        "Can you name the person who leads on online safety in school (the DSL)?",
        "Who the online safety lead is and how to reach them",
    ),
    Question(
        "peer-abuse",
        "Do you know the ways pupils can harm or abuse each other online?",
        "Child-on-child abuse online (bullying, nudes and semi-nudes, harassment)",
    ),
    Question(
        "concern",
        "Do you know exactly what to do when a pupil brings you an online worry?",
        "Responding to and reporting an online safety concern",
    ),
    Question(
        "staff-aup",
        "Do you know what the staff acceptable use agreement asks of you?",
        "The staff, volunteer and visitor acceptable use agreement",
    ),
    Question(
        "pupil-aup",
        "Do you know what the pupil and parent agreements ask of them?",
        "The pupil and parent acceptable use agreements",
    ),
    Question(
        "passwords",
        "Do you keep your school passwords strong, private and changed when needed?",
        "Password and account security",
    ),
    Question(
        "cyberbullying",
        "Do you know how the school deals with cyber-bullying?",
        "The school's approach to cyber-bullying",
    ),
    Question(
        "filtering",
        "Do you know what the filter and monitoring do, and how to report a gap?",
        "How filtering and monitoring work, and reporting over- or under-blocking",
    ),
)
KEYS = tuple(q.key for q in QUESTIONS)


def submit(person: Person, answers: dict[str, Any], wanted: str, actor: Any) -> SelfAudit:
    """Store one completed questionnaire (every question needs a yes/no answer); audited."""
    missing = [q.key for q in QUESTIONS if not isinstance(answers.get(q.key, {}).get("yes"), bool)]
    if missing:
        raise ValueError(f"please answer every question ({', '.join(missing)} unanswered)")
    clean = {
        q.key: {
            "yes": answers[q.key]["yes"],
            "comment": str(answers[q.key].get("comment", ""))[:500],
        }
        for q in QUESTIONS
    }
    with transaction.atomic():
        audit = SelfAudit.objects.create(
            person=person, answers=clean, wanted_training=wanted[:2000]
        )
        record(
            actor,
            "create",
            audit,
            summary="online safety self-audit answered",
            after={"person": person.external_id, "needs": needs_of(audit)},
        )
    return audit


def needs_of(audit: SelfAudit) -> list[str]:
    """The training needs one questionnaire reveals."""
    return [q.need for q in QUESTIONS if not audit.answers.get(q.key, {}).get("yes", False)]


@dataclass
class NeedsSummary:
    """Training needs across the newest questionnaire of each member of staff."""

    respondents: int
    needs: list[tuple[str, int]]  # need, how many people have it, most common first
    requests: list[str]  # free-text training requests, anonymous


def summary() -> NeedsSummary:
    """Summarise the newest answers per person: which needs are most common."""
    newest: dict[int, SelfAudit] = {}
    for audit in SelfAudit.objects.order_by("person_id", "-answered_at", "-id"):
        newest.setdefault(audit.person_id, audit)
    counts: Counter[str] = Counter()
    for audit in newest.values():
        counts.update(needs_of(audit))
    order = {q.need: i for i, q in enumerate(QUESTIONS)}
    ranked = sorted(counts.items(), key=lambda item: (-item[1], order[item[0]]))
    requests = [a.wanted_training.strip() for a in newest.values() if a.wanted_training.strip()]
    return NeedsSummary(len(newest), ranked, requests)
