"""Server-rendered pages: report a concern, the DSL's dashboard, the record, chronologies,
retention review and the governors' figures."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from harbour.apps.accounts.gate import can, require
from harbour.apps.audit.chain import actor_name
from harbour.apps.audit.chain import record as audit
from harbour.apps.people.models import Person
from harbour.apps.records import (
    access,
    chronology,
    evidence,
    flowchart,
    forms,
    ops,
    retention,
    service,
    stats,
    vocab,
)
from harbour.apps.records.models import Evidence, Record, Transfer
from harbour.apps.records.rules import RuleError


@require("safeguarding.report")
def report(request: HttpRequest) -> HttpResponse:
    """The report form: short, and quick to fill in on a phone."""
    form = forms.ReportForm(
        request.POST or None,
        initial={
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "follows": request.GET.get("follows", ""),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            new = service.report(request.user, form.report(request.user))
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Thank you. Your report is {new} and the safeguarding team has been told."
            )
            return redirect("records:record", pk=new.pk)
    return render(request, "harbour/records/report.html", {"form": form})


@require("safeguarding.report")
def people_hints(request: HttpRequest) -> HttpResponse:
    """Up to 20 pupils and staff matching ``q`` (2+ characters), for the report form's
    autocomplete: the form stays small on a phone however large the school."""
    query = request.GET.get("q", "").strip()
    found = Person.objects.none()
    if len(query) >= 2:
        found = Person.objects.filter(active=True, kind__in=["pupil", "staff"]).filter(
            Q(first_name__istartswith=query)
            | Q(last_name__istartswith=query)
            | Q(preferred_name__istartswith=query)
            | Q(external_id__iexact=query)
        )
    hints = [
        {"id": p.external_id, "name": p.display_name, "kind": p.kind, "class": p.class_name}
        for p in found.order_by("last_name", "first_name")[:20]
    ]
    return JsonResponse({"people": hints})


def _visible_or_home(request: HttpRequest) -> None:
    if not (can(request.user, "safeguarding.report") or can(request.user, "reports.governors")):
        raise Http404


def index(request: HttpRequest) -> HttpResponse:
    """The records a user may see; for the DSL team, the dashboard."""
    if not request.user.is_authenticated:
        return redirect(f"/login/?next={request.path}")
    _visible_or_home(request)
    if not can(request.user, "safeguarding.report"):
        return redirect("records:figures")
    rows = access.visible_records(request.user).annotate(
        pending=Count("actions", filter=Q(actions__status=vocab.PENDING))
    )
    status = request.GET.get("status", "")
    if status in dict(vocab.STATUS_CHOICES):
        rows = rows.filter(status=status)
    managing = can(request.user, "records.manage")
    context = {
        "rows": rows.order_by("status", "-severity", "-created_at")[:200],
        "managing": managing,
        "status": status,
        "statuses": vocab.STATUS_CHOICES,
        "overdue": service.overdue_actions(request.user) if managing else [],
        "counts": dict(
            access.visible_records(request.user).values_list("status").annotate(n=Count("id"))
        ),
    }
    audit(
        request.user,
        "read",
        ("records.record", "list"),
        summary=f"record list viewed ({len(context['rows'])})",
    )
    return render(request, "harbour/records/index.html", context)


def record_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One record: what happened, the flowchart, actions, evidence, notes, links."""
    if not request.user.is_authenticated:
        return redirect(f"/login/?next={request.path}")
    rec = access.get_record(request.user, pk, audit_read="web")
    policy = service.policy_or_none()
    full = access.sees_full_record(request.user, rec)
    context = {
        "rec": rec,
        "full": full,
        "manage": access.can_manage(request.user, rec),
        "technical_only": access.technical_view(request.user, rec),
        "can_share": can(request.user, "records.manage"),
        "people": rec.involvements.select_related("person"),
    }
    if full:
        answers = {s.step: s for s in rec.steps.all()}
        context.update(
            {
                "flows": [
                    (flow, [(step, answers.get(step.key)) for step in flow.steps])
                    for flow in flowchart.flows_for(rec, policy)
                ],
                "missing": flowchart.missing_steps(rec, policy),
                "referral_conditions": flowchart.referral_required(rec)
                if rec.nude_image_suspected
                else [],
                "actions": rec.actions.select_related("person", "owner"),
                "evidence": rec.evidence.prefetch_related("custody"),
                "reviews": rec.reviews.all(),
                "notes": rec.notes.order_by("created_at"),
                "links_out": rec.links_out.select_related("to_record"),
                "links_in": rec.links_in.select_related("from_record"),
                "alerts": rec.alert_links.all(),
                "keep_until": retention.keep_until(rec),
                "forms": _record_forms(rec),
                "incident_title": _incident_title(rec, policy),
            }
        )
    return render(request, "harbour/records/record.html", context)


def _record_forms(rec: Record) -> dict[str, object]:
    """The record page's forms; ids are prefixed by operation so fields never clash."""
    details = {f: getattr(rec, f) for f in service.DETAIL_FIELDS}
    made: dict[str, object] = {"details": forms.DetailsForm(initial=details, auto_id="details_%s")}
    for name in ("people", "status", "actions", "notes", "links", "evidence", "reviews"):
        made[name] = ops.OPERATIONS[name].form(auto_id=f"{name}_%s")
    return made


def _incident_title(rec: Record, policy: object) -> str:
    if policy is None or not rec.incident_type:
        return ""
    sanctions = policy.sanctions  # type: ignore[attr-defined]
    row = sanctions.pupils.get(rec.incident_type) or sanctions.staff.get(rec.incident_type)
    return row.title if row else rec.incident_type


@require_POST
def operate(request: HttpRequest, pk: int, op: str, target: int | None = None) -> HttpResponse:
    """Run one operation from a form on the record page."""
    if not request.user.is_authenticated:
        return redirect("/login/")
    outcome = ops.perform(request.user, pk, op, request.POST, request.FILES, target)
    if outcome.ok:
        messages.success(request, ops.OPERATIONS[op].summary + ": done.")
    else:
        for field, errors in (outcome.errors or {}).items():
            label = "" if field == "__all__" else f"{field}: "
            for error in errors:
                messages.error(request, f"{label}{error}")
    return redirect("records:record", pk=pk)


def download(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """An evidence file, through the gate, with a custody event and an audit entry."""
    if not request.user.is_authenticated:
        return redirect("/login/")
    rec = access.get_record(request.user, pk)
    if not access.sees_full_record(request.user, rec):
        raise Http404
    found = get_object_or_404(Evidence, pk=item, record=rec)
    try:
        data = evidence.open_evidence(request.user, found)
    except (RuleError, ValueError, OSError) as error:
        messages.error(request, str(error))
        return redirect("records:record", pk=pk)
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = (
        f'attachment; filename="evidence-{found.pk}-{found.sha256[:12]}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require("records.transfer")
def pupils(request: HttpRequest) -> HttpResponse:
    """Pupils who appear in records, to open their chronology."""
    query = request.GET.get("q", "").strip()
    people = Person.objects.filter(record_parts__isnull=False).distinct()
    if query:
        people = people.filter(
            Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(external_id=query)
        )
    audit(
        request.user,
        "read",
        ("people.person", "with-records"),
        summary="people with records listed",
    )
    return render(request, "harbour/records/pupils.html", {"people": people[:200], "q": query})


def _chronology_context(request: HttpRequest, person_pk: int) -> dict[str, object]:
    person = get_object_or_404(Person, pk=person_pk)
    return {
        "person": person,
        "entries": chronology.entries_for(person),
        "transfers": Transfer.objects.filter(person=person).order_by("-sent_on"),
        "school": getattr(service.policy_or_none(), "school", None),
        "printed_at": timezone.now(),
        "printed_by": actor_name(request.user),
    }


@require("records.transfer")
def chronology_page(request: HttpRequest, person_pk: int) -> HttpResponse:
    """A person's chronology, printable."""
    context = _chronology_context(request, person_pk)
    audit(request.user, "read", context["person"], summary="chronology read")
    context["transfer_form"] = forms.TransferForm(initial={"sent_on": timezone.localdate()})
    context["receipt_form"] = forms.ReceiptForm(initial={"confirmed_on": timezone.localdate()})
    return render(request, "harbour/records/chronology.html", context)


@require("records.transfer")
def transfer_pdf(request: HttpRequest, person_pk: int) -> HttpResponse:
    """The transfer file as a PDF (audited as an export)."""
    context = _chronology_context(request, person_pk)
    pdf = chronology.render_pdf(context)
    audit(
        request.user,
        "export",
        context["person"],
        summary=f"transfer file exported (sha256 {hashlib.sha256(pdf).hexdigest()[:16]})",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="safeguarding-file-{context["person"].external_id}.pdf"'
    )
    return response


@require("records.transfer")
@require_POST
def transfer_sent(request: HttpRequest, person_pk: int) -> HttpResponse:
    """Record that the file was sent to the receiving school."""
    form = forms.TransferForm(request.POST)
    context = _chronology_context(request, person_pk)
    if form.is_valid():
        pdf = chronology.render_pdf(context)
        sent = Transfer.objects.create(
            person=context["person"],
            sha256=hashlib.sha256(pdf).hexdigest(),
            sent_by=actor_name(request.user),
            **form.cleaned_data,
        )
        audit(request.user, "export", sent, summary=f"safeguarding file sent to {sent.destination}")
        messages.success(
            request, "Transfer recorded. Confirm receipt when the school acknowledges it."
        )
    else:
        messages.error(request, "Give the receiving school and the date sent.")
    return redirect("records:chronology", person_pk=person_pk)


@require("records.transfer")
@require_POST
def transfer_receipt(request: HttpRequest, transfer_pk: int) -> HttpResponse:
    """Record that the receiving school confirmed receipt."""
    sent = get_object_or_404(Transfer, pk=transfer_pk)
    form = forms.ReceiptForm(request.POST)
    if form.is_valid() and sent.receipt_confirmed_on is None:
        sent.receipt_confirmed_on = form.cleaned_data["confirmed_on"]
        sent.receipt_confirmed_by = actor_name(request.user)
        sent.save()
        audit(request.user, "update", sent, summary="receipt of the safeguarding file confirmed")
    return redirect("records:chronology", person_pk=sent.person_id)


@require("records.manage")
def retention_page(request: HttpRequest) -> HttpResponse:
    """Closed records whose retention period has ended."""
    due = retention.due_for_review()
    audit(
        request.user,
        "read",
        ("records.record", "retention"),
        summary=f"retention review list ({len(due)})",
    )
    return render(
        request,
        "harbour/records/retention.html",
        {"due": due, "can_delete": can(request.user, "records.delete"), "form": forms.DeleteForm()},
    )


@require("records.delete")
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a record at the end of its retention (the DSL only)."""
    rec = access.get_record(request.user, pk)
    form = forms.DeleteForm(request.POST)
    try:
        if not form.is_valid():
            raise RuleError("give the reason for deleting")
        retention.delete_record(request.user, rec, form.cleaned_data["reason"])
        messages.success(request, f"{rec} deleted.")
    except RuleError as error:
        messages.error(request, str(error))
    return redirect("records:retention")


@require("reports.governors")
def figures(request: HttpRequest) -> HttpResponse:
    """Anonymised counts for governors."""
    audit(
        request.user, "read", ("records.record", "aggregates"), summary="anonymised figures viewed"
    )
    return render(request, "harbour/records/figures.html", {"figures": stats.aggregates()})
