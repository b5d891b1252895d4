"""Consent register (photo/video consent, phone permissions) and "may we publish this?"."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from harbour.apps.accounts.gate import require
from harbour.apps.audit.chain import record
from harbour.apps.people.models import Person
from harbour.apps.registers import consent
from harbour.apps.registers.models import CONSENT_USES
from harbour.apps.registers.views.common import find_person, parse_date


@require("registers.consent")
def register(request: HttpRequest) -> HttpResponse:
    """Record a consent decision or a phone permission form."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.POST.get("form")
        pupil = find_person(request.POST.get("pupil", ""), errors, "pupil", kind="pupil")
        effective = parse_date(request.POST.get("effective_on", ""), "effective_on", errors)
        signer = request.POST.get("given_by", "").strip()
        if not signer:
            errors["given_by"] = "who gave or refused permission?"
        granted = request.POST.get("granted") == "yes"
        if form == "phone":
            expires = parse_date(
                request.POST.get("expires_on", ""), "expires_on", errors, required=False
            )
        elif request.POST.get("use") not in consent.USES:
            errors["use"] = "choose a use"
        if not errors and pupil is not None and effective is not None:
            if form == "phone":
                consent.set_phone_permission(
                    pupil,
                    granted,
                    signer,
                    effective,
                    request.user,
                    reason=request.POST.get("reason", ""),
                    expires_on=expires,
                )
            else:
                consent.set_consent(
                    pupil,
                    request.POST["use"],
                    granted,
                    effective,
                    signer,
                    request.user,
                    notes=request.POST.get("notes", ""),
                )
            messages.success(request, f"Recorded for {pupil.display_name}.")
            return redirect("registers-consent-pupil", pk=pupil.pk)
    query = request.GET.get("q", "").strip()
    found = []
    if query:
        found = list(
            Person.objects.filter(kind="pupil", active=True).filter(
                Q(external_id__iexact=query)
                | Q(first_name__icontains=query)
                | Q(last_name__icontains=query)
                | Q(class_name__iexact=query)
            )[:50]
        )
    return render(
        request,
        "harbour/registers/consent.html",
        {
            "uses": CONSENT_USES,
            "errors": errors,
            "posted": request.POST,
            "q": query,
            "found": found,
        },
    )


@require("registers.consent")
def pupil_history(request: HttpRequest, pk: int) -> HttpResponse:
    """One pupil's consent and phone permission history (the read is audited)."""
    pupil = get_object_or_404(Person, pk=pk, kind="pupil")
    record(request.user, "read", pupil, summary="consent history viewed")
    today = timezone.localdate()
    current = {
        use: consent.in_force([pupil.pk], use, today).get(pupil.pk) for use, _ in CONSENT_USES
    }
    return render(
        request,
        "harbour/registers/consent_pupil.html",
        {
            "pupil": pupil,
            "current": [(label, current[use]) for use, label in CONSENT_USES],
            "history": pupil.consents.all(),
            "phones": pupil.phone_permissions.all(),
            "phone_now": consent.phone_permission(pupil),
        },
    )


@require("registers.publish_check")
def publish_check(request: HttpRequest) -> HttpResponse:
    """Paste a list of pupils and a use: yes or no for each, with the reason."""
    answers, unknown, use = [], [], request.POST.get("use", "")
    error = ""
    if request.method == "POST":
        pupils, unknown = consent.find_pupils(request.POST.get("pupils", ""))
        try:
            answers = consent.may_publish(pupils, use)
        except ValueError as exc:
            error = str(exc)
        else:
            record(
                request.user,
                "read",
                ("registers.consent", use),
                summary=f"publish check for {len(pupils)} pupil(s): {sum(a.allowed for a in answers)} yes",
            )
    return render(
        request,
        "harbour/registers/publish.html",
        {
            "uses": CONSENT_USES,
            "answers": answers,
            "unknown": unknown,
            "use": use,
            "error": error,
            "posted": request.POST,
            "all_clear": bool(answers) and all(a.allowed for a in answers) and not unknown,
        },
    )
