"""The operations on a record, each a form and a service call. The web pages and the API
both run them through :func:`perform`, so they share one gate, one validation and one set of
safeguarding rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as djforms
from django.http import Http404

from harbour.apps.accounts.gate import can
from harbour.apps.records import access, evidence, forms, service
from harbour.apps.records.models import Action, Evidence, Record
from harbour.apps.records.rules import RuleError


def _details(user: Any, rec: Record, d: dict[str, Any], _: Any) -> Any:
    return service.update_details(user, rec, **d)


def _person(user: Any, rec: Record, d: dict[str, Any], _: Any) -> Any:
    return service.add_person(user, rec, d["person"], d["part"])


def _step(user: Any, rec: Record, d: dict[str, Any], _: Any) -> Any:
    return service.record_step(
        user, rec, d["step"], d["answer"], d["on"], d["reference"], d["note"]
    )


def _status(user: Any, rec: Record, d: dict[str, Any], _: Any) -> Any:
    return service.transition(user, rec, d["status"], d["outcome"], d["reason"])


def _action(user: Any, rec: Record, d: dict[str, Any], _: Any) -> Any:
    return service.add_action(
        user,
        rec,
        d["code"],
        title=d["title"],
        person=d["person"],
        owner=d["owner"],
        due_on=d["due_on"],
        reason=d["reason"],
    )


def _plan(user: Any, rec: Record, d: dict[str, Any], target: Action) -> Any:
    return service.plan_action(user, target, d["owner"], d["due_on"])


def _finish(user: Any, rec: Record, d: dict[str, Any], target: Action) -> Any:
    return service.finish_action(
        user, target, d["status"], d["done_on"], d["reason"], d["reference"]
    )


def _restore(user: Any, rec: Record, d: dict[str, Any], target: Action) -> Any:
    return service.restore_access(user, target, d["on"])


def _note(user: Any, rec: Record, d: dict[str, Any], _: Any) -> Any:
    return service.add_note(user, rec, d["text"])


def _link(user: Any, rec: Record, d: dict[str, Any], _: Any) -> Any:
    if d.get("alert_id"):
        return service.link_alert(user, rec, d["alert_id"], d["summary"])
    # Only records the user could open may be linked: nothing about others leaks.
    other = access.get_record(user, d["record"])
    return service.link_records(user, rec, other, d["reason"])


def _evidence(user: Any, rec: Record, d: dict[str, Any], _: Any) -> Any:
    upload = d.get("file")
    chunks = upload.chunks() if upload else ()
    return evidence.add_evidence(
        user,
        rec,
        d["kind"],
        url=d.get("url") or "",
        chunks=chunks,
        filename=getattr(upload, "name", ""),
        content_type=getattr(upload, "content_type", "") or "",
        description=d["description"],
    )


def _hand_over(user: Any, rec: Record, d: dict[str, Any], target: Evidence) -> Any:
    return evidence.hand_over(user, target, d["to_whom"], d["note"])


def _review(user: Any, rec: Record, d: dict[str, Any], _: Any) -> Any:
    return evidence.add_review(user, rec, **d)


def _share(user: Any, rec: Record, d: dict[str, Any], _: Any) -> Any:
    if not can(user, "records.manage"):
        raise Http404
    return service.share_with_head(user, rec, d["shared"])


@dataclass(frozen=True)
class Operation:
    """One operation: its form, the service call, and the item it acts on, if any."""

    form: type[djforms.Form]
    run: Callable[[Any, Record, dict[str, Any], Any], Any]
    target: str = ""  # "action" or "evidence" when the operation acts on one item
    summary: str = ""


OPERATIONS: dict[str, Operation] = {
    "details": Operation(forms.DetailsForm, _details, summary="Change the record's details"),
    "people": Operation(forms.PersonForm, _person, summary="Add a person and their part"),
    "steps": Operation(forms.StepForm, _step, summary="Answer a flowchart step"),
    "status": Operation(forms.StatusForm, _status, summary="Open or close the record"),
    "actions": Operation(
        forms.ActionForm, _action, summary="Add an action the policy did not recommend"
    ),
    "plan": Operation(forms.PlanForm, _plan, "action", "Give an action an owner and a due date"),
    "finish": Operation(
        forms.FinishForm, _finish, "action", "Mark an action done, or not done with a reason"
    ),
    "restore": Operation(forms.RestoreForm, _restore, "action", "Restore removed network access"),
    "notes": Operation(forms.NoteForm, _note, summary="Add a note"),
    "links": Operation(forms.LinkForm, _link, summary="Link another record or a monitoring alert"),
    "evidence": Operation(
        forms.EvidenceForm, _evidence, summary="Add evidence (a web address or a file)"
    ),
    "hand-over": Operation(
        forms.HandOverForm, _hand_over, "evidence", "Record evidence handed over"
    ),
    "reviews": Operation(forms.ReviewForm, _review, summary="Record a two-person review"),
    "share": Operation(
        forms.ShareForm, _share, summary="Share the record with the headteacher, or stop"
    ),
}


@dataclass
class Outcome:
    """What :func:`perform` did: the record after it, or the errors that refused it."""

    ok: bool
    record: Record
    result: Any = None
    errors: dict[str, list[str]] | None = None
    conflict: bool = False  # a safeguarding rule refused it (rather than bad input)


def perform(
    user: Any, record_pk: Any, name: str, data: Any, files: Any = None, target_pk: Any = None
) -> Outcome:
    """Run operation ``name`` on a record the user may work; 404 for anyone else."""
    op = OPERATIONS.get(name)
    if op is None:
        raise Http404
    rec = access.get_record(user, record_pk, manage=True)
    target = _target(rec, op.target, target_pk)
    form = op.form(data, files)
    if not form.is_valid():
        return Outcome(False, rec, errors={k: list(v) for k, v in form.errors.items()})
    try:
        result = op.run(user, rec, form.cleaned_data, target)
    except RuleError as error:
        return Outcome(False, rec, errors={"__all__": [str(error)]}, conflict=True)
    rec.refresh_from_db()
    return Outcome(True, rec, result)


def _target(rec: Record, kind: str, pk: Any) -> Any:
    if not kind:
        if pk is not None:
            raise Http404
        return None
    model = {"action": Action, "evidence": Evidence}[kind]
    try:
        return model.objects.get(record=rec, pk=int(pk))
    except (model.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
