"""JSON API for the registers (session sign-in, the same permission gate as the pages).

Mounted at /api/registers/. Read endpoints return lists; publish-check answers a question."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone

from harbour.apps.accounts.gate import require
from harbour.apps.audit.chain import record
from harbour.apps.policies.service import current_policy
from harbour.apps.registers import aup, consent, devices, training
from harbour.apps.registers.models import Device, Review, RiskAssessment
from harbour.apps.registers.views.common import person_for


def _person(p: Any) -> dict[str, Any]:
    return {"id": p.external_id, "name": p.display_name, "kind": p.kind}


@require("registers.self")
def me(request: HttpRequest) -> JsonResponse:
    """The signed-in person's agreements and training duties."""
    policy = current_policy()
    person = person_for(request.user)
    if person is None:
        return JsonResponse({"person": None, "agreements": [], "training": []})
    return JsonResponse(
        {
            "person": _person(person),
            "agreements": [
                {
                    "key": s.key,
                    "version": s.agreement.version,
                    "state": s.state,
                    "gates_filtering": s.gates_filtering,
                }
                for s in aup.statuses(person, policy)
            ],
            "training": [_duty(d) for d in training.duties(person, policy)],
        }
    )


def _duty(d: training.Duty) -> dict[str, Any]:
    return {"requirement": d.key, "last": d.last, "due": d.due, "state": d.state}


@require("registers.aup")
def agreements(request: HttpRequest) -> JsonResponse:
    """Coverage per agreement and group, and who still has to sign what."""
    table, outstanding = aup.coverage(current_policy())
    return JsonResponse(
        {
            "coverage": [
                {
                    "agreement": r.key,
                    "version": r.agreement.version,
                    "audience": r.agreement.audience,
                    "applies": r.applies,
                    "current": r.current,
                    "by_group": r.by_group,
                }
                for r in table
            ],
            "outstanding": [{**_person(p), "agreements": keys} for p, keys in outstanding],
        }
    )


@require("registers.training")
def training_compliance(request: HttpRequest) -> JsonResponse:
    """Every person's training duties with due dates and states."""
    rows = training.compliance(current_policy())
    return JsonResponse(
        {"people": [{**_person(p), "duties": [_duty(d) for d in ds]} for p, ds in rows]}
    )


@require("registers.publish_check")
def publish_check(request: HttpRequest) -> JsonResponse:
    """?use=press&pupils=UPN,UPN,... → yes/no per pupil with the reason (audited)."""
    source = request.POST if request.method == "POST" else request.GET
    pupils, unknown = consent.find_pupils(source.get("pupils", ""))
    use = source.get("use", "")
    try:
        answers = consent.may_publish(pupils, use)
    except ValueError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    record(
        request.user,
        "read",
        ("registers.consent", use),
        summary=f"publish check (API) for {len(pupils)} pupil(s)",
    )
    return JsonResponse(
        {
            "use": use,
            "all_clear": bool(answers) and all(a.allowed for a in answers) and not unknown,
            "answers": [
                {**_person(a.pupil), "allowed": a.allowed, "reason": a.reason} for a in answers
            ],
            "unknown": unknown,
        }
    )


@require("registers.devices")
def device_list(request: HttpRequest) -> JsonResponse:
    """Registered devices with the access the device matrix gives them."""
    policy, now = current_policy(), timezone.now()
    rows = []
    for d in Device.objects.select_related("owner"):
        rule = devices.rule_for(d, policy)
        rows.append(
            {
                "name": d.name,
                "type": d.device_type,
                "owner": d.owner.external_id if d.owner else None,
                "mac": d.mac,
                "ip": d.ip,
                "cidr": d.cidr,
                "site": d.site,
                "guest": d.guest,
                "expires": d.expires,
                "status": devices.status(d, policy, now),
                "network": rule.network if rule else None,
            }
        )
    return JsonResponse({"devices": rows})


@require("registers.reviews_view")
def review_list(request: HttpRequest) -> JsonResponse:
    """Reviews (with checklist results) and risk assessments."""
    return JsonResponse(
        {
            "reviews": list(
                Review.objects.values(
                    "id",
                    "title",
                    "trigger",
                    "held_on",
                    "participants",
                    "checks",
                    "self_test",
                    "findings",
                    "actions",
                    "completed",
                    "signed_off_by",
                )
            ),
            "risk_assessments": list(
                RiskAssessment.objects.values(
                    "id",
                    "title",
                    "technology",
                    "risks",
                    "decision",
                    "approver",
                    "decided_on",
                    "review_on",
                )
            ),
        }
    )


urlpatterns = [
    path("me/", me),
    path("agreements/", agreements),
    path("training/", training_compliance),
    path("publish-check/", publish_check),
    path("devices/", device_list),
    path("reviews/", review_list),
]
