"""The weekly filtering and monitoring report for the headteacher and the DSL (DfE standard 4).

Every figure is aggregated in the database (GROUP BY), so a week of millions of decision
events costs a handful of indexed queries.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from statistics import median
from typing import Any

from django.db.models import Count

from harbour.apps.alerts.models import SEVERITY_TITLES, Alert
from harbour.apps.events.models import DecisionEvent
from harbour.apps.people.models import Person
from harbour.apps.reports import charts
from harbour.apps.reports.period import Period
from harbour.apps.webfilter.models import FilterRequest
from harbour.policy.model import Level, Policy

TOP = 15


def serious_activities(policy: Policy) -> list[str]:
    """Activity rows unacceptable for everyone: attempts at these are worth a name."""
    serious = {Level.UNACCEPTABLE, Level.UNACCEPTABLE_ILLEGAL}
    return [
        name
        for name, row in policy.activities.items()
        if row.levels and all(cell.level in serious for cell in row.levels.values())
    ]


@dataclass
class WeeklyReport:
    """Everything the weekly report prints."""

    school: str
    period: Period
    policy_version: str
    show_names: bool
    totals: dict[str, int] = field(default_factory=dict)
    blocked_by_category: list[tuple[str, int]] = field(default_factory=list)
    blocked_by_group: list[tuple[str, int]] = field(default_factory=list)
    blocked_by_site: list[tuple[str, int]] = field(default_factory=list)
    per_day: list[tuple[str, int, int]] = field(default_factory=list)  # day, allowed, blocked
    top_users: list[tuple[str, str, int, str]] = field(
        default_factory=list
    )  # who, group, count, activities
    alert_terms: list[tuple[str, str, int, str]] = field(
        default_factory=list
    )  # category, severity, repeats, evidence
    alerts_by_severity: list[tuple[str, int]] = field(default_factory=list)
    alerts_by_category: list[tuple[str, int]] = field(default_factory=list)
    alert_outcomes: list[tuple[str, int]] = field(default_factory=list)
    median_minutes_to_acknowledge: float | None = None
    unacknowledged: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    locked_hits: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # when, who, host, rule
    charts: dict[str, str] = field(default_factory=dict)


def _names(usernames: set[str]) -> dict[str, str]:
    return {
        p.username: p.display_name
        for p in Person.objects.filter(username__in=usernames).only(
            "username", "first_name", "last_name", "preferred_name"
        )
        if p.username
    }


def _who(username: str, names: dict[str, str], show: bool, pseudonyms: dict[str, str]) -> str:
    if not username:
        return "unknown user"
    if show:
        return f"{names.get(username, username)} ({username})"
    return pseudonyms.setdefault(username, f"User {len(pseudonyms) + 1}")


def build_weekly(policy: Policy, period: Period, show_names: bool) -> WeeklyReport:
    """Collect the weekly report for ``period``. ``show_names`` only for the DSL team and head."""
    report = WeeklyReport(policy.school.name, period, policy.version, show_names)
    blocked = DecisionEvent.objects.filter(
        time__gte=period.since, time__lt=period.until, action="block"
    )
    _per_day(report, period)
    # One GROUP BY over the week's blocked attempts gives the categories, groups, people,
    # locked-tier count and serious attempts: a pass over the rows per figure cost seconds
    # at millions of events.
    rows = list(
        blocked.values("category", "group", "user", "activity", "reason_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    categories: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    for row in rows:
        categories[row["category"]] += row["n"]
        groups[row["group"]] += row["n"]
    report.totals["people blocked"] = len({row["user"] for row in rows if row["user"]})
    report.totals["locked-tier hits"] = sum(r["n"] for r in rows if r["reason_code"] == "locked")
    report.blocked_by_category = [(c or "uncategorised", n) for c, n in _ranked(categories)[:TOP]]
    report.blocked_by_group = [(g or "unknown", n) for g, n in _ranked(groups)]
    report.blocked_by_site = [
        (row["host"], row["n"])
        for row in blocked.values("host").annotate(n=Count("id")).order_by("-n", "host")[:TOP]
    ]
    _users(report, policy, rows)
    _alerts(report, period)
    _requests(report, period)
    _charts(report)
    return report


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most first, ties by name (the order ``ORDER BY -n, name`` gave)."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _per_day(report: WeeklyReport, period: Period) -> None:
    """Allowed and blocked per school day: range counts on the time index and on the blocked
    attempts' partial index, which read no table rows (truncating every row's time to a local
    date read them all). Every stored decision is an allow or a block (the ingest refuses
    anything else), so the allowed are the day's decisions less its blocks, and the days add
    up to the week without another pass over its rows."""
    report.per_day = []
    for day in period.days():
        start = datetime.combine(day, time.min, period.zone)
        end = datetime.combine(day + timedelta(days=1), time.min, period.zone)
        in_day = DecisionEvent.objects.filter(time__gte=start, time__lt=end)
        blocked = in_day.filter(action="block").count()
        report.per_day.append((f"{day:%a %-d}", in_day.count() - blocked, blocked))
    report.totals = {
        "decisions": sum(a + b for _, a, b in report.per_day),
        "blocked": sum(b for _, _, b in report.per_day),
    }


def _users(report: WeeklyReport, policy: Policy, rows: list[dict[str, Any]]) -> None:
    """The people with most blocked attempts at serious activities, and the locked-tier hits."""
    serious = set(serious_activities(policy))
    people: dict[str, tuple[int, str, set[str]]] = {}
    for row in rows:
        if row["user"] and row["activity"] in serious:
            n, group, activities = people.get(row["user"], (0, "", set()))
            people[row["user"]] = (
                n + row["n"],
                max(group, row["group"]),
                activities | {row["activity"]},
            )
    top = sorted(people.items(), key=lambda kv: (-kv[1][0], kv[0]))[:TOP]
    locked: list[tuple[datetime, str, str, str]] = []
    if report.totals["locked-tier hits"]:
        locked = list(
            DecisionEvent.objects.filter(
                time__gte=report.period.since,
                time__lt=report.period.until,
                action="block",
                reason_code="locked",
            )
            .order_by("time")
            .values_list("time", "user", "host", "rule")[:100]
        )
    names = (
        _names({u for u, _ in top} | {u for _, u, _, _ in locked if u}) if report.show_names else {}
    )
    pseudonyms: dict[str, str] = {}
    for user, (n, group, activities) in top:
        report.top_users.append(
            (
                _who(user, names, report.show_names, pseudonyms),
                group,
                n,
                ", ".join(sorted(activities)),
            )
        )
    zone = report.period.zone
    report.locked_hits = [
        (
            f"{when.astimezone(zone):%a %-d %b %H:%M}",
            _who(user, names, report.show_names, pseudonyms),
            host,
            rule,
        )
        for when, user, host, rule in locked
    ]


def _alerts(report: WeeklyReport, period: Period) -> None:
    alerts = Alert.objects.filter(first_seen__gte=period.since, first_seen__lt=period.until)
    report.alerts_by_severity = [
        (f"{row['severity']} {SEVERITY_TITLES.get(row['severity'], '')}", row["n"])
        for row in alerts.values("severity").annotate(n=Count("id")).order_by("-severity")
    ]
    report.alerts_by_category = [
        (row["category"], row["n"])
        for row in alerts.values("category").annotate(n=Count("id")).order_by("-n", "category")
    ]
    outcomes = dict(Alert._meta.get_field("outcome").choices)
    report.alert_outcomes = [
        (
            outcomes.get(row["outcome"], "not yet closed") if row["outcome"] else "not yet closed",
            row["n"],
        )
        for row in alerts.values("outcome").annotate(n=Count("id")).order_by("-n")
    ]
    waits = [
        (ack - first).total_seconds() / 60
        for first, ack in alerts.exclude(acknowledged_at=None).values_list(
            "first_seen", "acknowledged_at"
        )
    ]
    report.median_minutes_to_acknowledge = round(median(waits), 1) if waits else None
    report.unacknowledged = alerts.filter(status="new").count()
    report.totals["alerts"] = alerts.count()
    report.totals["serious alerts (4-5)"] = alerts.filter(severity__gte=4).count()
    for alert in alerts.filter(source="search").order_by("-severity", "-first_seen")[:TOP]:
        evidence = "; ".join(
            str(e.get("context") or e.get("matched") or "") for e in alert.evidence[:3]
        )
        report.alert_terms.append(
            (alert.category, str(alert.severity), alert.repeat_count, evidence[:200])
        )


def _requests(report: WeeklyReport, period: Period) -> None:
    rows = FilterRequest.objects.filter(
        requested_at__gte=period.since, requested_at__lt=period.until
    ).select_related("requested_by", "decided_by")
    for request in rows.order_by("requested_at"):
        report.requests.append(
            {
                "when": request.requested_at.astimezone(period.zone),
                "kind": request.get_kind_display(),
                "target": request.target_label,
                "for": request.audience,
                "by": request.requested_by.get_full_name() or request.requested_by.username,
                "status": request.get_status_display(),
                "decided_by": (request.decided_by.get_full_name() or request.decided_by.username)
                if request.decided_by
                else "",
                "reason": request.reason,
            }
        )
    report.totals["unblock and list requests"] = len(report.requests)


def _charts(report: WeeklyReport) -> None:
    report.charts["categories"] = charts.bar_chart(
        [c for c, _ in report.blocked_by_category],
        [n for _, n in report.blocked_by_category],
        "Blocked attempts by category",
    )
    report.charts["days"] = charts.day_chart(
        [d for d, _, _ in report.per_day],
        {
            "blocked": [b for _, _, b in report.per_day],
            "allowed": [a for _, a, _ in report.per_day],
        },
        "Decisions per day",
    )
    report.charts["alerts"] = charts.bar_chart(
        [c for c, _ in report.alerts_by_category],
        [n for _, n in report.alerts_by_category],
        "Alerts by category",
    )


def week_before(period: Period) -> Period:
    """The same length of time just before ``period`` (for trends)."""
    length = period.end - period.start
    end = period.start - timedelta(days=1)
    return Period(end - length, end, period.zone)
