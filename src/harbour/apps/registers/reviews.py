"""Filtering and monitoring reviews (DfE standard 2), risk assessments for new technology,
and the policy's own review date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from harbour.apps.registers.audited import save_audited
from harbour.apps.registers.dates import add_months
from harbour.apps.registers.models import Review, RiskAssessment
from harbour.policy.model import Policy


@dataclass(frozen=True)
class Check:
    key: str
    text: str


# The review checklist, in our words, from the DfE filtering and monitoring standards.
CHECKS = (
    Check(
        "roles",
        "Named senior leader and governor responsible; roles of DSL and IT support written down",
    ),
    Check("sites", "Every site and every internet feed is covered by the filter"),
    Check("groups", "Pupils, staff and guests each get their own filtering, as the policy says"),
    Check("age", "Filtering is right for each age group and for pupils with additional needs"),
    Check("illegal", "IWF and CTIRU lists are in force and cannot be switched off"),
    Check("self-test", "Minimum test: child abuse, terrorist and adult content are blocked"),
    Check("bypass", "VPNs, proxies and DNS-over-HTTPS are blocked; safe search is on and locked"),
    Check(
        "devices", "School devices, BYOD and guest devices are covered (device register up to date)"
    ),
    Check("reports", "Filtering reports identify device, IP, person, time and the content blocked"),
    Check("monitoring", "Monitoring alerts reach the DSL; weekly reports are read and acted on"),
    Check(
        "over-blocking",
        "Over-blocking is reviewed: staff can request access and requests are handled",
    ),
    Check("training", "Staff know how filtering and monitoring work and how to report a problem"),
)
CHECK_KEYS = tuple(c.key for c in CHECKS)
PARTICIPANT_ROLES = ("senior leader", "DSL", "IT", "governor", "other")


def save_review(values: dict[str, Any], actor: Any, review: Review | None = None) -> Review:
    """Create or update a review; audited. ``checks`` keys must be checklist keys."""
    unknown = set(values.get("checks", {})) - set(CHECK_KEYS)
    if unknown:
        raise ValueError(f"unknown checklist items: {', '.join(sorted(unknown))}")
    return save_audited(review, Review, values, actor, "review", "created_by")


def record_self_test(review: Review, result: dict[str, Any], actor: Any) -> None:
    """Attach a filter self-test result (written by the reports feature) to a review."""
    save_review({"self_test": result}, actor, review)


def missing_for_completion(review: Review) -> list[str]:
    """What stops a review being signed off: participants from the required roles, checks."""
    roles = {p.get("role") for p in review.participants}
    problems = [
        f"no {role} took part" for role in ("senior leader", "DSL", "IT") if role not in roles
    ]
    undone = [c.key for c in CHECKS if not review.checks.get(c.key, {}).get("done")]
    if undone:
        problems.append(f"checks not done: {', '.join(undone)}")
    return problems


def next_annual_review(today: date | None = None) -> date | None:
    """When the next annual review is due: a year after the last completed one (None: never held)."""
    last = Review.objects.filter(trigger="annual", completed=True).order_by("-held_on").first()
    return add_months(last.held_on, 12) if last else None


def prompts(today: date | None = None) -> list[str]:
    """Reviews the standards call for now: the annual one, one after a policy (configuration)
    change, and risk assessments past their review date."""
    from harbour.apps.policies.models import PolicyVersion

    today = today or timezone.localdate()
    found = []
    due = next_annual_review()
    if due is None:
        found.append("No annual filtering and monitoring review has been signed off")
    elif due <= today:
        found.append(f"The annual filtering and monitoring review was due {due:%d %b %Y}")
    latest = Review.objects.order_by("-created_at").first()
    changed = PolicyVersion.objects.order_by("-adopted_at").first()
    if latest is not None and changed is not None and changed.adopted_at > latest.created_at:
        found.append(
            f"The policy changed on {changed.adopted_at:%d %b %Y} after the last review: "
            "record a configuration-change review"
        )
    stale = RiskAssessment.objects.filter(review_on__lt=today).count()
    if stale:
        found.append(f"{stale} risk assessment(s) past their review date")
    return found


def save_assessment(
    values: dict[str, Any], actor: Any, item: RiskAssessment | None = None
) -> RiskAssessment:
    """Create or update a risk assessment; audited."""
    return save_audited(item, RiskAssessment, values, actor, "risk assessment", "created_by")


def policy_review_state(policy: Policy, today: date | None = None) -> tuple[date, int] | None:
    """The policy's review date and the days until it (negative: overdue); None if unset."""
    due = policy.school.policy_review_due
    if due is None:
        return None
    return due, (due - (today or timezone.localdate())).days
