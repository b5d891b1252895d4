"""Every change to a safeguarding record goes through here, from the web pages, the API, the
CLI and the alerts app alike, so the rules (closed is final, the flowcharts, the sanctions
matrix, the audit log) hold whichever way a change arrives.

Callers check who may act (see :mod:`harbour.apps.records.access`); these functions check
what may be done and audit it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from harbour.apps.accounts.gate import can
from harbour.apps.audit.chain import actor_name, snapshot
from harbour.apps.audit.chain import record as audit
from harbour.apps.people.models import Person
from harbour.apps.policies.service import NoPolicy, active_version, current_policy
from harbour.apps.records import flowchart, notify, vocab
from harbour.apps.records.models import (
    Action,
    AlertLink,
    FlowStep,
    Involvement,
    Note,
    Record,
    RecordLink,
)
from harbour.apps.records.rules import ClosedRecord, RuleError
from harbour.policy import Policy
from harbour.policy.model import ACTION_TITLES

# What the reporter wrote is never rewritten: corrections and later facts go in notes.
DETAIL_FIELDS = (
    "occurred_at",
    "location",
    "four_cs",
    "risk_category",
    "severity",
    "incident_type",
    "nude_image_suspected",
    "technical",
)


@dataclass
class Report:
    """What a reporter tells Harbour. ``people`` pairs a person with their part."""

    kind: str
    what_happened: str
    occurred_at: datetime
    risk_category: str
    four_cs: list[str]
    severity: int = 3
    location: str = ""
    incident_type: str = ""
    nude_image_suspected: bool = False
    people: list[tuple[Person, str]] = field(default_factory=list)
    confirmations: list[str] = field(default_factory=list)
    follows: Record | None = None


def policy_or_none() -> Policy | None:
    """The active policy, or None before one is adopted (records still work without it)."""
    try:
        return current_policy()
    except NoPolicy:
        return None


def _editable(record: Record) -> None:
    if record.closed:
        raise ClosedRecord


def _check_details(
    kind: str, four_cs: Iterable[str], risk: str, severity: int, incident_type: str
) -> None:
    if kind not in dict(vocab.KIND_CHOICES):
        raise RuleError(f"kind must be one of {', '.join(dict(vocab.KIND_CHOICES))}")
    cs = list(four_cs)
    if not cs or any(c not in dict(vocab.FOUR_CS) for c in cs):
        raise RuleError("choose one or more of the four Cs: content, contact, conduct, commerce")
    if risk not in dict(vocab.RISK_CATEGORIES):
        raise RuleError(f"unknown risk category {risk!r}")
    if not 1 <= int(severity) <= 5:
        raise RuleError("severity is 1 to 5")
    policy = policy_or_none()
    if incident_type and policy is not None:
        known = set(policy.sanctions.pupils) | set(policy.sanctions.staff)
        if incident_type not in known:
            raise RuleError(
                f"incident type {incident_type!r} is not in the policy's sanctions matrix"
            )


@transaction.atomic
def report(actor: Any, data: Report) -> Record:
    """Record a new concern, incident or allegation; tell the DSL team (without its content)."""
    _check_details(data.kind, data.four_cs, data.risk_category, data.severity, data.incident_type)
    if not data.what_happened.strip():
        raise RuleError("say what happened")
    new = Record.objects.create(
        kind=data.kind,
        what_happened=data.what_happened.strip(),
        occurred_at=data.occurred_at,
        location=data.location,
        four_cs=sorted(set(data.four_cs)),
        risk_category=data.risk_category,
        severity=int(data.severity),
        incident_type=data.incident_type,
        nude_image_suspected=data.nude_image_suspected,
        reported_by=actor if hasattr(actor, "pk") else None,
        reporter_name=actor_name(actor),
    )
    audit(
        actor,
        "create",
        new,
        summary=f"{new} reported",
        after=snapshot(new, exclude=("what_happened",)),
    )
    people = list(data.people)
    me = Person.objects.filter(username=actor_name(actor)).first()
    if me is not None:
        people.append((me, "reporter"))
    for person, part in people:
        _involve(actor, new, person, part)
    for key in data.confirmations:
        step = flowchart.STEPS.get(key)
        if step is None or step.kind != "confirm" or step.needs_date:
            raise RuleError(f"{key!r} cannot be confirmed when reporting")
        record_step(actor, new, key, "done")
    recommend(actor, new)
    if data.follows is not None:
        link_records(actor, new, data.follows, "follow-up")
    transaction.on_commit(lambda: notify.new_record(new))
    return new


def _involve(actor: Any, record: Record, person: Person, part: str) -> None:
    if part not in vocab.PARTS:
        raise RuleError(f"part must be one of {', '.join(vocab.PARTS)}")
    link, created = Involvement.objects.get_or_create(record=record, person=person, part=part)
    if created:
        audit(
            actor,
            "create",
            link,
            summary=f"{record}: {person.kind} added as {part}",
            after={"record": record.pk, "person": person.pk, "part": part},
        )


@transaction.atomic
def add_person(actor: Any, record: Record, person: Person, part: str) -> None:
    """Add someone to a record; new instigators bring their recommended actions."""
    _editable(record)
    _involve(actor, record, person, part)
    recommend(actor, record)


@transaction.atomic
def update_details(actor: Any, record: Record, **changes: Any) -> Record:
    """Change what the record says (never once closed); new incident types re-recommend."""
    _editable(record)
    unknown = set(changes) - set(DETAIL_FIELDS)
    if unknown:
        raise RuleError(f"cannot change {', '.join(sorted(unknown))}")
    if record.nude_image_suspected and changes.get("nude_image_suspected") is False:
        raise RuleError(
            "a suspected nude image stays recorded as such; add a note if it proved otherwise"
        )
    before = snapshot(record, exclude=("what_happened",))
    for name, value in changes.items():
        setattr(record, name, value)
    _check_details(
        record.kind, record.four_cs, record.risk_category, record.severity, record.incident_type
    )
    record.save()
    audit(
        actor,
        "update",
        record,
        summary=f"{record} details changed",
        before=before,
        after=snapshot(record, exclude=("what_happened",)),
    )
    recommend(actor, record)
    return record


def sanctions_role(person: Person) -> str | None:
    """Which sanctions matrix applies to a person: pupils, staff, or none."""
    return {"pupil": "pupils", "staff": "staff"}.get(person.kind)


def recommend(actor: Any, record: Record) -> list[Action]:
    """Add the sanctions matrix's actions for the record's incident type and each instigator,
    noting the policy version that recommended them. Existing recommendations are kept."""
    policy = policy_or_none()
    if policy is None or not record.incident_type:
        return []
    version = active_version().version
    added = []
    for part in record.involvements.filter(part="instigator").select_related("person"):
        role = sanctions_role(part.person)
        row = getattr(policy.sanctions, role).get(record.incident_type) if role else None
        if row is None:
            continue
        for code in row.actions:
            action, created = Action.objects.get_or_create(
                record=record,
                person=part.person,
                code=code,
                recommended=True,
                defaults={
                    "title": ACTION_TITLES[code],
                    "policy_version": version,
                    "incident_type": record.incident_type,
                    "created_by": "policy",
                },
            )
            if created:
                added.append(action)
                audit(
                    actor,
                    "create",
                    action,
                    summary=f"{record}: recommended {code}",
                    after={
                        "code": code,
                        "policy_version": version,
                        "incident_type": record.incident_type,
                    },
                )
    if any(a.code == vocab.TECHNICAL_ACTION for a in added) and not record.technical:
        record.technical = True
        record.save(update_fields=["technical", "updated_at"])
    return added


@transaction.atomic
def record_step(
    actor: Any,
    record: Record,
    key: str,
    answer: str,
    on: date | None = None,
    reference: str = "",
    note: str = "",
) -> FlowStep:
    """Answer a flowchart step; a referral step also completes the matching police action."""
    _editable(record)
    step = flowchart.STEPS.get(key)
    if step is None or step not in _flow_steps(record):
        raise RuleError(f"{key!r} is not a step of this record's flowchart")
    flowchart.check_answer(record, step, answer, on, reference)
    existing = FlowStep.objects.filter(record=record, step=key).first()
    before = snapshot(existing) if existing else None
    saved, _ = FlowStep.objects.update_or_create(
        record=record,
        step=key,
        defaults={
            "answer": answer,
            "on": on,
            "reference": reference,
            "note": note,
            "recorded_by": actor_name(actor),
        },
    )
    audit(
        actor,
        "update" if before else "create",
        saved,
        summary=f"{record}: step {key} = {answer}",
        before=before,
        after=snapshot(saved),
    )
    if step.kind == "referral" and key != "lado-referral":
        for action in record.actions.filter(code="refer-police", status=vocab.PENDING):
            _finish(actor, action, vocab.DONE, on or timezone.localdate(), "", reference)
    return saved


def _flow_steps(record: Record) -> list[flowchart.Step]:
    return [s for flow in flowchart.flows_for(record, policy_or_none()) for s in flow.steps]


@transaction.atomic
def transition(actor: Any, record: Record, to: str, outcome: str = "", reason: str = "") -> Record:
    """new -> open -> closed. Moving on needs the flowchart steps; closing needs an outcome,
    a reason and every action done or declined. Closed is final."""
    _editable(record)
    if vocab.NEXT_STATUS.get(record.status) != to:
        raise RuleError(
            f"a {record.status} record can only move to {vocab.NEXT_STATUS[record.status]}"
        )
    flowchart.check_can_move_on(record, policy_or_none())
    before = snapshot(record, exclude=("what_happened",))
    if to == vocab.CLOSED:
        if not outcome.strip() or not reason.strip():
            raise RuleError("closing needs an outcome and a reason")
        pending = record.actions.filter(status=vocab.PENDING).count()
        if pending:
            raise RuleError(
                f"{pending} action(s) are still to do: mark each done, or not done with a reason"
            )
        record.outcome, record.closing_reason = outcome.strip(), reason.strip()
        record.closed_at, record.closed_by = timezone.now(), actor_name(actor)
    record.status = to
    record.save()
    audit(
        actor,
        "update",
        record,
        summary=f"{record} {to}",
        before=before,
        after=snapshot(record, exclude=("what_happened",)),
    )
    return record


@transaction.atomic
def add_action(
    actor: Any,
    record: Record,
    code: str,
    *,
    title: str = "",
    person: Person | None = None,
    owner: Any = None,
    due_on: date | None = None,
    reason: str = "",
) -> Action:
    """An action the policy did not recommend: it needs a reason, so the record shows why the
    response differs from the matrix."""
    _editable(record)
    if code != vocab.OTHER_ACTION and code not in ACTION_TITLES:
        raise RuleError(f"unknown action {code!r}")
    if code == vocab.OTHER_ACTION and not title.strip():
        raise RuleError("describe the action")
    if not reason.strip():
        raise RuleError("say why this action is taken (it is not one the policy recommended)")
    action = Action.objects.create(
        record=record,
        code=code,
        title=title.strip() or ACTION_TITLES[code],
        person=person,
        owner=owner,
        due_on=due_on,
        reason=reason.strip(),
        created_by=actor_name(actor),
    )
    audit(actor, "create", action, summary=f"{record}: action {code} added", after=snapshot(action))
    return action


@transaction.atomic
def plan_action(actor: Any, action: Action, owner: Any, due_on: date | None) -> Action:
    """Give an action its owner and due date."""
    _editable(action.record)
    before = snapshot(action)
    action.owner, action.due_on = owner, due_on
    action.save()
    audit(
        actor,
        "update",
        action,
        summary=f"{action.record}: action {action.code} planned",
        before=before,
        after=snapshot(action),
    )
    return action


@transaction.atomic
def finish_action(
    actor: Any,
    action: Action,
    status: str,
    done_on: date | None = None,
    reason: str = "",
    reference: str = "",
) -> Action:
    """Mark an action done, or not done with the reason (e.g. why a case was not referred)."""
    _editable(action.record)
    if action.status != vocab.PENDING:
        raise RuleError("this action is already finished")
    return _finish(actor, action, status, done_on, reason, reference)


def _finish(
    actor: Any, action: Action, status: str, done_on: date | None, reason: str, reference: str
) -> Action:
    if status not in (vocab.DONE, vocab.DECLINED):
        raise RuleError("an action is finished as done or declined")
    if status == vocab.DECLINED and not reason.strip():
        what = "not referring" if action.code.startswith("refer-") else "not doing it"
        raise RuleError(f"give the reason for {what}")
    before = snapshot(action)
    action.status = status
    action.done_on = (done_on or timezone.localdate()) if status == vocab.DONE else None
    action.reason = reason.strip() or action.reason
    action.reference = reference.strip() or action.reference
    action.save()
    audit(
        actor,
        "update",
        action,
        summary=f"{action.record}: action {action.code} {status}",
        before=before,
        after=snapshot(action),
    )
    if action.code == vocab.NO_ACCESS_ACTION and status == vocab.DONE:
        _refresh_gateways()
    return action


@transaction.atomic
def restore_access(actor: Any, action: Action, on: date | None = None) -> Action:
    """Give back network access removed by ``action`` (allowed after closing: it is not an
    edit of the record's account but the end of a sanction)."""
    if action.code != vocab.NO_ACCESS_ACTION or action.status != vocab.DONE or action.restored_on:
        raise RuleError("only removed network access that is still removed can be restored")
    before = snapshot(action)
    action.restored_on = on or timezone.localdate()
    action.save(update_fields=["restored_on"])
    audit(
        actor,
        "update",
        action,
        summary=f"{action.record}: network access restored",
        before=before,
        after=snapshot(action),
    )
    _refresh_gateways()
    return action


def _refresh_gateways() -> None:
    from harbour.apps.policies.service import write_gateway_snapshot

    transaction.on_commit(write_gateway_snapshot)


@transaction.atomic
def add_note(actor: Any, record: Record, text: str) -> Note:
    """Add a note (a conversation, a decision and its reason)."""
    _editable(record)
    if not text.strip():
        raise RuleError("the note is empty")
    note = Note.objects.create(record=record, text=text.strip(), author=actor_name(actor))
    audit(actor, "create", note, summary=f"{record}: note added")
    return note


@transaction.atomic
def link_records(actor: Any, record: Record, other: Record, reason: str = "") -> RecordLink:
    """Link ``record`` to ``other`` (which may be closed: follow-ups point back)."""
    _editable(record)
    if other.pk == record.pk:
        raise RuleError("a record cannot be linked to itself")
    link, created = RecordLink.objects.get_or_create(
        from_record=record,
        to_record=other,
        defaults={"reason": reason, "created_by": actor_name(actor)},
    )
    if created:
        audit(actor, "create", link, summary=f"{record} linked to {other}")
    return link


@transaction.atomic
def link_alert(
    actor: Any, record: Record, alert_id: str, summary: str = "", raised_at: datetime | None = None
) -> AlertLink:
    """Link a monitoring alert (by its id) to ``record``."""
    _editable(record)
    if not str(alert_id).strip():
        raise RuleError("give the alert's id")
    if not _alert_exists(str(alert_id).strip()):
        raise RuleError(f"there is no monitoring alert {alert_id}")
    link, created = AlertLink.objects.get_or_create(
        record=record,
        alert_id=str(alert_id).strip(),
        defaults={"summary": summary[:300], "raised_at": raised_at, "linked_by": actor_name(actor)},
    )
    if created:
        audit(actor, "create", link, summary=f"{record}: alert {alert_id} linked")
    return link


def _alert_exists(alert_id: str) -> bool:
    """True when the alerts area has the alert (or is not installed, so cannot say)."""
    from django.apps import apps

    if not apps.is_installed("harbour.apps.alerts"):
        return True
    return (
        alert_id.isdigit()
        and apps.get_model("alerts", "Alert").objects.filter(pk=int(alert_id)).exists()
    )


# Monitoring categories -> the C they usually are; the DSL can change it on the record.
CATEGORY_CS = {"grooming": "contact", "bullying": "conduct", "gambling": "commerce"}


@transaction.atomic
def create_record_from_alert(
    alert: Any, actor: Any, note: str = "", *, part: str = "victim"
) -> Record:
    """For the alerts app: turn an escalated alert into an online-safety incident linked to it.

    ``alert`` needs ``pk``, ``category``, ``severity``, ``first_seen`` and ``person`` or
    ``username`` (the alerts app's Alert has them). The alert's matched text is not copied:
    it stays behind the alert's own gate; the record says why it was escalated.
    """
    category = alert.category
    if category not in dict(vocab.RISK_CATEGORIES):
        raise RuleError(f"alert category {category!r} is not a risk category")
    person = getattr(alert, "person", None)
    if person is None and getattr(alert, "username", ""):
        person = Person.objects.filter(username=alert.username).first()
    summary = f"Monitoring alert {alert.pk}: {alert.category}, severity {alert.severity}"
    what = f"{summary}, first seen {timezone.localtime(alert.first_seen):%d %b %Y %H:%M}."
    if note.strip():
        what += f"\nEscalated by {actor_name(actor)}: {note.strip()}"
    new = report(
        actor,
        Report(
            kind=vocab.INCIDENT,
            what_happened=what,
            occurred_at=alert.first_seen,
            risk_category=category,
            four_cs=[CATEGORY_CS.get(alert.category, "content")],
            severity=int(alert.severity),
            people=[(person, part)] if person is not None else [],
        ),
    )
    link_alert(actor, new, str(alert.pk), summary, alert.first_seen)
    return new


@transaction.atomic
def share_with_head(actor: Any, record: Record, shared: bool) -> Record:
    """The DSL shares a record with the headteacher (or stops sharing it)."""
    before = {"shared_with_head": record.shared_with_head}
    record.shared_with_head = shared
    record.save(update_fields=["shared_with_head", "updated_at"])
    audit(
        actor,
        "share" if shared else "unshare",
        record,
        summary=f"{record} shared with the headteacher: {shared}",
        before=before,
        after={"shared_with_head": shared},
    )
    return record


def overdue_actions(user: Any = None) -> list[Action]:
    """Actions past their due date and still to do (the DSL's home page shows them)."""
    found = Action.objects.filter(
        status=vocab.PENDING,
        due_on__lt=timezone.localdate(),
        record__status__in=[vocab.NEW, vocab.OPEN],
    )
    if user is not None and not can(user, "records.manage"):
        found = found.filter(owner=user)
    return list(found.select_related("record").order_by("due_on"))
