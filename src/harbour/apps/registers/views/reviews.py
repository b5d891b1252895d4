"""Reviews of filtering and monitoring, risk assessments, and the registers' index page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from harbour.apps.accounts.gate import can, require
from harbour.apps.policies.service import current_policy
from harbour.apps.registers import reviews
from harbour.apps.registers.models import REVIEW_TRIGGERS, RISK_DECISIONS, Review, RiskAssessment
from harbour.apps.registers.views.common import parse_date

RISK_PARTS = ("risk", "likelihood", "impact", "mitigation")
ACTION_PARTS = ("action", "owner", "due")


def _lines(text: str, parts: tuple[str, ...]) -> list[dict[str, str]]:
    """One record per line, fields separated by ';' (missing trailing fields are blank)."""
    rows = []
    for line in text.splitlines():
        if line.strip():
            cells = [c.strip() for c in line.split(";")] + [""] * len(parts)
            rows.append(dict(zip(parts, cells, strict=False)))
    return rows


def _as_lines(rows: list[dict[str, str]], parts: tuple[str, ...]) -> str:
    return "\n".join("; ".join(str(r.get(p, "")) for p in parts) for r in rows)


@require("registers.reviews_view")
def index(request: HttpRequest) -> HttpResponse:
    """The registers this role may open, with the policy review date and the next annual review."""
    links = [
        (perm, url, label)
        for perm, url, label in (
            ("registers.aup", "registers-agreements", "Acceptable use agreements"),
            ("registers.training", "registers-training", "Training"),
            ("registers.consent", "registers-consent", "Consent (photos, video, phones)"),
            ("registers.publish_check", "registers-publish", "May we publish this?"),
            ("registers.devices", "registers-devices", "Devices"),
            ("registers.reviews_view", "registers-reviews", "Reviews and risk assessments"),
        )
        if can(request.user, perm)
    ]
    return render(
        request,
        "harbour/registers/index.html",
        {
            "links": links,
            "policy_review": reviews.policy_review_state(current_policy()),
            "next_annual": reviews.next_annual_review(),
        },
    )


@require("registers.reviews_view")
def review_list(request: HttpRequest) -> HttpResponse:
    """Reviews and risk assessments; those who own reviews can start one."""
    errors: dict[str, str] = {}
    if request.method == "POST" and can(request.user, "registers.reviews"):
        held_on = parse_date(request.POST.get("held_on", ""), "held_on", errors)
        title = request.POST.get("title", "").strip()
        if not title:
            errors["title"] = "give the review a title"
        trigger = request.POST.get("trigger", "annual")
        if trigger not in dict(REVIEW_TRIGGERS):
            errors["trigger"] = "choose what triggered the review"
        if not errors:
            review = reviews.save_review(
                {"title": title, "trigger": trigger, "held_on": held_on}, request.user
            )
            return redirect("registers-review", pk=review.pk)
    return render(
        request,
        "harbour/registers/reviews.html",
        {
            "reviews": Review.objects.all(),
            "risks": RiskAssessment.objects.all(),
            "triggers": REVIEW_TRIGGERS,
            "errors": errors,
            "may_edit": can(request.user, "registers.reviews"),
            "policy_review": reviews.policy_review_state(current_policy()),
            "next_annual": reviews.next_annual_review(),
            "today": timezone.localdate(),
            "prompts": reviews.prompts(),
        },
    )


@require("registers.reviews_view")
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The guided checklist: participants, checks, self-test slot, findings, actions, sign-off."""
    review = get_object_or_404(Review, pk=pk)
    may_edit = can(request.user, "registers.reviews") and not review.completed
    problems: list[str] = []
    if request.method == "POST" and may_edit:
        post = request.POST
        values = {
            "participants": _lines(post.get("participants", ""), ("name", "role")),
            "checks": {
                c.key: {
                    "done": post.get(f"check-{c.key}") == "on",
                    "notes": post.get(f"notes-{c.key}", ""),
                }
                for c in reviews.CHECKS
            },
            "findings": post.get("findings", ""),
            "actions": _lines(post.get("actions", ""), ACTION_PARTS),
        }
        review = reviews.save_review(values, request.user, review)
        if post.get("complete") == "on":
            problems = reviews.missing_for_completion(review)
            if not problems:
                reviews.save_review(
                    {"completed": True, "signed_off_by": str(request.user)}, request.user, review
                )
                messages.success(request, "Review signed off.")
                return redirect("registers-reviews")
        else:
            messages.success(request, "Review saved.")
            return redirect("registers-review", pk=review.pk)
    checks = [(c, review.checks.get(c.key, {})) for c in reviews.CHECKS]
    return render(
        request,
        "harbour/registers/review.html",
        {
            "review": review,
            "checks": checks,
            "may_edit": may_edit,
            "problems": problems,
            "participants": _as_lines(review.participants, ("name", "role")),
            "actions": _as_lines(review.actions, ACTION_PARTS),
            "roles": reviews.PARTICIPANT_ROLES,
        },
    )


@require("registers.reviews_view")
def risk_detail(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A risk assessment for a new technology: risks, mitigations, decision, approver, review date."""
    item = get_object_or_404(RiskAssessment, pk=pk) if pk else None
    may_edit = can(request.user, "registers.reviews")
    errors: dict[str, str] = {}
    if request.method == "POST" and may_edit:
        post = request.POST
        values = {
            "title": post.get("title", "").strip(),
            "technology": post.get("technology", "").strip(),
            "purpose": post.get("purpose", ""),
            "risks": _lines(post.get("risks", ""), RISK_PARTS),
            "decision": post.get("decision", "pending"),
            "approver": post.get("approver", "").strip(),
            "decided_on": parse_date(
                post.get("decided_on", ""), "decided_on", errors, required=False
            ),
            "review_on": parse_date(post.get("review_on", ""), "review_on", errors, required=False),
        }
        if not values["title"] or not values["technology"]:
            errors["title"] = "give a title and the technology assessed"
        if values["decision"] not in dict(RISK_DECISIONS):
            errors["decision"] = "choose a decision"
        elif values["decision"] != "pending" and not (values["approver"] and values["decided_on"]):
            errors["approver"] = "a decision needs the approver and the date"
        if not errors:
            item = reviews.save_assessment(values, request.user, item)
            messages.success(request, "Risk assessment saved.")
            return redirect("registers-risk", pk=item.pk)
    if errors:
        item = RiskAssessment(**values)  # show what was typed, unsaved, beside the problems
    return render(
        request,
        "harbour/registers/risk.html",
        {
            "item": item,
            "may_edit": may_edit,
            "errors": errors,
            "decisions": RISK_DECISIONS,
            "risks": _as_lines(item.risks, RISK_PARTS) if item else "",
        },
    )
