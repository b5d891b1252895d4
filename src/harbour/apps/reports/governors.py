"""The governors' termly report: anonymised counts and trends, nothing that identifies a child."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from harbour.apps.alerts.models import Alert
from harbour.apps.events.models import DecisionEvent
from harbour.apps.records import stats as record_stats
from harbour.apps.records.models import Record
from harbour.apps.registers import aup, training
from harbour.apps.registers.models import Review
from harbour.apps.reports import charts
from harbour.apps.reports.models import SelfTestRun
from harbour.apps.reports.period import Period
from harbour.apps.webfilter import changelog
from harbour.apps.webfilter.models import FilterRequest
from harbour.policy.model import Policy

SMALL = record_stats.SMALL


def _suppress(value: int) -> int | str:
    """Small non-zero counts could point at a child: print them as a band."""
    return value if value == 0 or value >= SMALL else f"fewer than {SMALL}"


@dataclass
class GovernorsReport:
    """Everything the governors' report prints; counts only."""

    school: str
    period: Period
    policy_version: str
    incidents: dict[str, dict[str, int | str]] = field(default_factory=dict)
    incidents_by_month: list[tuple[str, int | str]] = field(default_factory=list)
    alerts_by_category: list[tuple[str, int | str]] = field(default_factory=list)
    alert_outcomes: list[tuple[str, int | str]] = field(default_factory=list)
    blocked_by_activity: list[tuple[str, int]] = field(default_factory=list)
    training_percent: int = 100
    training_overdue: int = 0
    training_people: int = 0
    aup: list[tuple[str, int, int, int]] = field(default_factory=list)  # title, applies, current, %
    changes: dict[str, Any] = field(default_factory=dict)
    review: dict[str, Any] = field(default_factory=dict)
    self_test: dict[str, Any] = field(default_factory=dict)
    charts: dict[str, str] = field(default_factory=dict)


def build_governors(policy: Policy, period: Period, today: date | None = None) -> GovernorsReport:
    """Collect the governors' report for ``period``."""
    today = today or timezone.localdate()
    report = GovernorsReport(policy.school.name, period, policy.version)
    report.incidents = record_stats.aggregates(period.start, period.end)
    records = Record.objects.filter(occurred_at__gte=period.since, occurred_at__lt=period.until)
    report.incidents_by_month = [
        (f"{row['month']:%B %Y}", _suppress(row["n"]))
        for row in records.annotate(month=TruncMonth("occurred_at", tzinfo=period.zone))
        .values("month").annotate(n=Count("id")).order_by("month")
    ]
    alerts = Alert.objects.filter(first_seen__gte=period.since, first_seen__lt=period.until)
    report.alerts_by_category = [
        (row["category"], _suppress(row["n"]))
        for row in alerts.values("category").annotate(n=Count("id")).order_by("-n", "category")
    ]
    outcomes = dict(Alert._meta.get_field("outcome").choices)
    report.alert_outcomes = [
        (outcomes.get(row["outcome"], "not yet closed") if row["outcome"] else "not yet closed", _suppress(row["n"]))
        for row in alerts.values("outcome").annotate(n=Count("id")).order_by("-n")
    ]
    titles = {name: row.title or name for name, row in policy.activities.items()}
    report.blocked_by_activity = [
        (titles.get(row["activity"], row["activity"] or "other"), row["n"])
        for row in DecisionEvent.objects.filter(time__gte=period.since, time__lt=period.until, action="block")
        .values("activity").annotate(n=Count("id")).order_by("-n")[:12]
    ]
    _compliance(report, policy, today)
    _filtering_and_review(report, period)
    report.charts["blocked"] = charts.bar_chart(
        [t for t, _ in report.blocked_by_activity], [n for _, n in report.blocked_by_activity],
        "Blocked attempts by activity",
    )
    return report


def _compliance(report: GovernorsReport, policy: Policy, today: date) -> None:
    rows = training.compliance(policy, today)
    overdue = sum(1 for _, duties in rows if any(d.state == "overdue" for d in duties))
    report.training_people = len(rows)
    report.training_overdue = overdue
    report.training_percent = round(100 * (len(rows) - overdue) / len(rows)) if rows else 100
    covered, _ = aup.coverage(policy, today)
    report.aup = [(c.agreement.title, c.applies, c.current, c.percent) for c in covered if c.applies]


def _filtering_and_review(report: GovernorsReport, period: Period) -> None:
    term = FilterRequest.objects.filter(requested_at__gte=period.since, requested_at__lt=period.until)
    report.changes = {
        "requests": term.count(),
        "by_kind_and_outcome": [
            (f"{dict(FilterRequest._meta.get_field('kind').choices)[r['kind']]}: "
             f"{dict(FilterRequest._meta.get_field('status').choices)[r['status']]}", r["n"])
            for r in term.values("kind", "status").annotate(n=Count("id")).order_by("kind", "status")
        ],
        "year": changelog.summary(period.until),
    }
    review = Review.objects.filter(trigger="annual").order_by("-held_on").first()
    if review is not None:
        report.review = {
            "held_on": review.held_on,
            "completed": review.completed,
            "signed_off_by": review.signed_off_by,
            "actions": [a for a in review.actions if isinstance(a, dict)],
        }
    latest = SelfTestRun.objects.first()
    if latest is not None:
        report.self_test = {"ran_at": latest.ran_at, "passed": latest.passed, "summary": latest.summary}
