"""The response flowcharts: the steps a record must show before it can move on.

- Illegal content (the policy's flowchart): isolate the device, do not view, refer to the
  police, preserve the evidence.
- A suspected nude or semi-nude image of a child (UKCIS 2024): nobody views it, the device is
  secured, Harbour stores no file at all for the record, and the five immediate-referral
  conditions are asked; if any holds, the police / children's social care referral (date and
  reference) must be recorded.
- An allegation against staff: the headteacher is told and the LADO referral is recorded.

Web views and the API both go through :mod:`harbour.apps.records.service`, which calls
:func:`check_can_move_on` and :func:`check_upload_allowed`, so neither path can skip a step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from harbour.apps.records import vocab
from harbour.apps.records.models import FlowStep, Record
from harbour.apps.records.rules import RuleError
from harbour.policy import Policy

StepKind = Literal["confirm", "yesno", "referral"]


@dataclass(frozen=True)
class Step:
    """One question. ``confirm``: answered "done"; ``yesno``: "yes" or "no";
    ``referral``: "done" with a date and a reference."""

    key: str
    text: str
    kind: StepKind
    needs_date: bool = False


@dataclass(frozen=True)
class Flow:
    """A named flowchart: its steps in order."""

    key: str
    title: str
    steps: tuple[Step, ...]


ILLEGAL = Flow(
    "illegal",
    "Illegal content",
    (
        Step(
            "isolate-device",
            "The device was isolated (not used further, not switched off)",
            "confirm",
        ),
        Step("not-viewed", "Nobody viewed the material again (do not view)", "confirm"),
        Step("police-referral", "Referred to the police (date and reference)", "referral", True),
        Step(
            "evidence-preserved",
            "Evidence preserved: device kept secure, addresses and times noted",
            "confirm",
        ),
    ),
)

NUDE_CONDITIONS = (
    Step("adult-involved", "Is an adult involved?", "yesno"),
    Step("coercion", "Is there coercion, blackmail or grooming?", "yesno"),
    Step("unusual-or-violent", "Are the acts unusual for the child's age, or violent?", "yesno"),
    Step("under-13", "Is any child involved under 13?", "yesno"),
    Step("immediate-risk", "Is any child at immediate risk of harm?", "yesno"),
)
NUDE_REFERRAL = Step(
    "nude-referral",
    "Referred to the police / children's social care (date and reference)",
    "referral",
    True,
)
NUDE = Flow(
    "nude-image",
    "Suspected nude or semi-nude image of a child (UKCIS)",
    (
        Step(
            "imagery-not-viewed",
            "The imagery was not viewed, copied, printed, shared or saved",
            "confirm",
        ),
        Step(
            "device-secured",
            "The device was secured (nothing deleted, nobody asked to delete)",
            "confirm",
        ),
        *NUDE_CONDITIONS,
        NUDE_REFERRAL,
    ),
)

ALLEGATION = Flow(
    "allegation",
    "Allegation against staff",
    (
        Step("headteacher-informed", "The headteacher was told (date)", "confirm", True),
        Step("lado-referral", "Referred to the LADO (date and reference)", "referral", True),
    ),
)

STEPS: dict[str, Step] = {s.key: s for flow in (ILLEGAL, NUDE, ALLEGATION) for s in flow.steps}


def is_illegal(record: Record, policy: Policy | None) -> bool:
    """Illegal content: the risk category says so, or the incident type is an illegal row."""
    if record.risk_category == "illegal":
        return True
    if policy is None or not record.incident_type:
        return False
    rows = [
        policy.sanctions.pupils.get(record.incident_type),
        policy.sanctions.staff.get(record.incident_type),
    ]
    return any(row is not None and row.illegal for row in rows)


def flows_for(record: Record, policy: Policy | None) -> list[Flow]:
    """The flowcharts that apply to ``record``."""
    flows = []
    if is_illegal(record, policy):
        flows.append(ILLEGAL)
    if record.nude_image_suspected:
        flows.append(NUDE)
    if record.kind == vocab.ALLEGATION:
        flows.append(ALLEGATION)
    return flows


def _answers(record: Record) -> dict[str, FlowStep]:
    return {s.step: s for s in FlowStep.objects.filter(record=record)}


def child_under_13(record: Record) -> bool:
    """True when a pupil in the record was under 13 when it happened (from the directory)."""
    when = record.occurred_at.date()
    for part in record.involvements.select_related("person"):
        born = part.person.date_of_birth
        if part.person.kind == "pupil" and born and _age(born, when) < 13:
            return True
    return False


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def referral_required(record: Record, answers: dict[str, FlowStep] | None = None) -> list[str]:
    """The immediate-referral conditions that hold (the directory decides "under 13" too)."""
    answers = _answers(record) if answers is None else answers
    held = [s.key for s in NUDE_CONDITIONS if answers.get(s.key) and answers[s.key].answer == "yes"]
    if "under-13" not in held and child_under_13(record):
        held.append("under-13")
    return held


def missing_steps(record: Record, policy: Policy | None) -> list[Step]:
    """The steps still to record before ``record`` may move on, in flowchart order."""
    answers = _answers(record)
    missing = []
    for flow in flows_for(record, policy):
        for step in flow.steps:
            if step is NUDE_REFERRAL and not referral_required(record, answers):
                continue
            if step.key not in answers:
                missing.append(step)
    return missing


def check_can_move_on(record: Record, policy: Policy | None) -> None:
    """Raise :class:`RuleError` naming every step still missing."""
    missing = missing_steps(record, policy)
    if missing:
        listed = "; ".join(step.text for step in missing)
        raise RuleError(f"record the flowchart steps first: {listed}")


def check_answer(record: Record, step: Step, answer: str, on: date | None, reference: str) -> None:
    """Refuse an answer that does not fit the step (a referral needs its date and reference)."""
    allowed = {"confirm": {"done"}, "yesno": {"yes", "no"}, "referral": {"done"}}[step.kind]
    if answer not in allowed:
        raise RuleError(f"{step.text}: answer must be {' or '.join(sorted(allowed))}")
    if step.needs_date and on is None:
        raise RuleError(f"{step.text}: give the date")
    if step.kind == "referral" and not reference.strip():
        raise RuleError(f"{step.text}: give the reference the agency gave")
    if step.key == "under-13" and answer == "no" and child_under_13(record):
        raise RuleError("a pupil in this record was under 13 at the time (from the directory)")


def check_upload_allowed(record: Record, kind: str) -> None:
    """No file of any kind is stored on a record of a suspected nude image: only addresses."""
    if record.nude_image_suspected and kind != "url":
        raise RuleError(
            "this record concerns a suspected nude or semi-nude image of a child: Harbour stores no "
            "files for it. Do not view, copy or save the imagery; secure the device and record the steps."
        )
