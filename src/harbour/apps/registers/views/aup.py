"""Agreements: each person's own page (sign, training, self-audit) and the coverage register."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from harbour.apps.accounts.gate import can, require
from harbour.apps.people.models import Person
from harbour.apps.policies.service import current_policy
from harbour.apps.registers import aup, selfaudit, training
from harbour.apps.registers.views.common import client_ip, find_person, parse_date, person_for


@require("registers.self")
def my_page(request: HttpRequest) -> HttpResponse:
    """My agreements to sign, my training duties, the self-audit."""
    policy = current_policy()
    person = person_for(request.user)
    context = {
        "person": person,
        "agreements": aup.statuses(person, policy) if person else [],
        "duties": training.duties(person, policy) if person else [],
        "is_staff": person is not None and person.kind == "staff",
        "can_publish_check": can(request.user, "registers.publish_check"),
    }
    return render(request, "harbour/registers/me.html", context)


@require("registers.self")
@require_POST
def sign_own(request: HttpRequest, key: str) -> HttpResponse:
    """Sign an agreement online: name, time, address and browser are recorded."""
    person = person_for(request.user)
    if person is None:
        raise Http404
    if request.POST.get("agree") != "yes":
        messages.error(request, "Tick the box to confirm you have read and agree to the agreement.")
        return redirect("registers-me")
    try:
        aup.sign(
            person,
            key,
            current_policy(),
            request.user,
            ip=client_ip(request),
            device=request.META.get("HTTP_USER_AGENT", ""),
        )
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("registers-me")
    messages.success(request, "Thank you: your agreement is recorded and your access is updated.")
    return redirect("registers-me")


@require("registers.self")
def self_audit(request: HttpRequest) -> HttpResponse:
    """The online-safety training needs questionnaire for staff."""
    person = person_for(request.user)
    if person is None or person.kind != "staff":
        raise Http404
    error = ""
    if request.method == "POST":
        answers = {
            q.key: {
                "yes": {"yes": True, "no": False}.get(request.POST.get(q.key, "")),
                "comment": request.POST.get(f"{q.key}-comment", ""),
            }
            for q in selfaudit.QUESTIONS
        }
        try:
            done = selfaudit.submit(person, answers, request.POST.get("wanted", ""), request.user)
        except ValueError as exc:
            error = str(exc)
        else:
            needs = selfaudit.needs_of(done)
            messages.success(request, f"Thank you. Training needs noted: {len(needs)}.")
            return redirect("registers-me")
    return render(
        request,
        "harbour/registers/self_audit.html",
        {
            "rows": [
                (q, request.POST.get(q.key, ""), request.POST.get(f"{q.key}-comment", ""))
                for q in selfaudit.QUESTIONS
            ],
            "error": error,
            "wanted": request.POST.get("wanted", ""),
        },
    )


@require("registers.aup")
def agreements(request: HttpRequest) -> HttpResponse:
    """Coverage per agreement and group, who still has to sign, and paper signatures."""
    policy = current_policy()
    errors: dict[str, str] = {}
    if request.method == "POST":
        person = find_person(request.POST.get("person", ""), errors)
        signed_on = parse_date(request.POST.get("signed_on", ""), "signed_on", errors)
        signer = request.POST.get("signer_name", "").strip()
        if not signer:
            errors["signer_name"] = "who signed the paper form?"
        if not errors and person is not None:
            try:
                aup.sign(
                    person,
                    request.POST.get("agreement", ""),
                    policy,
                    request.user,
                    signer_name=signer,
                    method="paper",
                    signed_on=signed_on,
                )
            except ValueError as exc:
                errors["agreement"] = str(exc)
            else:
                messages.success(request, f"Paper signature recorded for {person.display_name}.")
                return redirect("registers-agreements")
    table, outstanding = aup.coverage(policy)
    return render(
        request,
        "harbour/registers/agreements.html",
        {
            "table": table,
            "outstanding": outstanding[:200],
            "outstanding_total": len(outstanding),
            "policy": policy,
            "errors": errors,
            "posted": request.POST,
            "restricted": policy.filtering.require_current_aup and policy.filtering.no_aup_group,
        },
    )


@require("registers.aup")
def class_forms(request: HttpRequest) -> HttpResponse:
    """Record a class's paper forms at once: pick the class and agreement, untick the absent."""
    policy = current_policy()
    class_name = request.GET.get("class_name", "").strip()
    key = request.GET.get("agreement", "")
    pupils = list(Person.objects.filter(kind="pupil", active=True, class_name__iexact=class_name))
    pupils = [p for p in pupils if key in aup.applies_to(p, policy)]
    errors: dict[str, str] = {}
    if request.method == "POST":
        signed_on = parse_date(request.POST.get("signed_on", ""), "signed_on", errors)
        chosen = {int(v) for v in request.POST.getlist("pupil") if v.isdigit()}
        picked = [p for p in pupils if p.pk in chosen]
        if not picked:
            errors["pupil"] = "tick the pupils whose forms came back"
        if not errors and signed_on is not None:
            signer = "parent" if request.POST.get("signer") == "parent" else "pupil"
            aup.sign_paper_forms(picked, key, policy, request.user, signed_on, signer)
            messages.success(request, f"{len(picked)} paper forms recorded for {class_name}.")
            return redirect("registers-agreements")
    classes = (
        Person.objects.filter(kind="pupil", active=True)
        .exclude(class_name="")
        .values_list("class_name", flat=True)
        .distinct()
        .order_by("class_name")
    )
    return render(
        request,
        "harbour/registers/class_forms.html",
        {
            "classes": classes,
            "class_name": class_name,
            "key": key,
            "pupils": pupils,
            "policy": policy,
            "errors": errors,
        },
    )
