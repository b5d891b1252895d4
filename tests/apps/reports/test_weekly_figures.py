"""The weekly report's figures, aggregated in a few passes, equal the events counted one by one
in Python, including across the night the clocks go back."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from harbour.apps.events.models import DecisionEvent
from harbour.apps.policies.service import current_policy
from harbour.apps.reports.period import Period
from harbour.apps.reports.weekly import TOP, build_weekly, serious_activities

LONDON = ZoneInfo("Europe/London")
# British Summer Time ends at 02:00 on Sunday 25 October 2026: that Sunday has 25 hours.
WEEK = Period(date(2026, 10, 19), date(2026, 10, 25), LONDON)
USERS = [("", "visitors")] + [
    (f"user{n:02d}", g)
    for n, g in enumerate(["pupils-ks1"] * 8 + ["pupils-ks2"] * 14 + ["staff"] * 4)
]
BLOCKS = [
    ("gambling", "gambling", "policy"),
    ("adult", "pornography", "policy"),
    ("games", "online-gaming", "policy"),
    ("social_networks", "social-media", "policy"),
    ("", "", "blocklist"),
    ("iwf", "illegal-content", "locked"),
    ("vpn", "filter-bypass", "policy"),
]


def _events() -> list[DecisionEvent]:
    rng = random.Random(8)
    since = datetime(2026, 10, 18, 22, 0, tzinfo=LONDON)  # from the Sunday before
    rows = []
    for n in range(900):
        when = since + timedelta(minutes=rng.randrange(8 * 24 * 60 + 180))  # into the Monday after
        user, group = rng.choice(USERS)
        if user == "user03" and n % 2:
            group = "digital-leaders"  # one person filtered as two groups in one week
        category, activity, reason = (
            rng.choice(BLOCKS) if rng.random() < 0.5 else ("", "", "default")
        )
        rows.append(DecisionEvent(
            spool_id=f"figures-{n}", time=when, source="proxy", user=user, group=group,
            url=f"https://site{n % 23}.example/", host=f"site{n % 23}.example", category=category,
            categories=[category] if category else [], action="block" if reason != "default" else "allow",
            activity=activity, reason_code=reason,
        ))  # fmt: skip
    rows.append(DecisionEvent(  # the extra hour: 01:30 GMT, after 01:30 BST on the same Sunday
        spool_id="figures-fallback", time=datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=1),
        source="proxy", user="user05", group="pupils-ks1", url="https://x.example/", host="x.example",
        action="block", category="games", activity="online-gaming", reason_code="policy",
    ))  # fmt: skip
    return DecisionEvent.objects.bulk_create(rows)


def _ranked(counts: Counter) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


@pytest.fixture
def figures(school):
    events = [e for e in _events() if WEEK.since <= e.time < WEEK.until]
    return events, build_weekly(current_policy(), WEEK, show_names=True)


def test_weekly_totals_and_breakdowns_equal_the_events_counted_one_by_one(figures) -> None:
    events, report = figures
    blocked = [e for e in events if e.action == "block"]
    assert report.totals["decisions"] == len(events)
    assert report.totals["blocked"] == len(blocked)
    assert report.totals["people blocked"] == len({e.user for e in blocked if e.user})
    assert report.totals["locked-tier hits"] == sum(e.reason_code == "locked" for e in blocked)
    by_category = _ranked(Counter(e.category for e in blocked))[:TOP]
    assert report.blocked_by_category == [(c or "uncategorised", n) for c, n in by_category]
    assert report.blocked_by_group == [
        (g or "unknown", n) for g, n in _ranked(Counter(e.group for e in blocked))
    ]
    assert report.blocked_by_site == _ranked(Counter(e.host for e in blocked))[:TOP]


def test_the_people_with_most_serious_attempts_are_listed_with_their_group_and_activities(
    figures,
) -> None:
    events, report = figures
    serious = set(serious_activities(current_policy()))
    counts: Counter[str] = Counter()
    groups: dict[str, set[str]] = defaultdict(set)
    activities: dict[str, set[str]] = defaultdict(set)
    for e in events:
        if e.action == "block" and e.user and e.activity in serious:
            counts[e.user] += 1
            groups[e.user].add(e.group)
            activities[e.user].add(e.activity)
    expected = [
        (f"{user} ({user})", max(groups[user]), n, ", ".join(sorted(activities[user])))
        for user, n in _ranked(counts)[:TOP]
    ]
    assert report.top_users == expected
    assert len(groups["user03"]) == 2 and "user03 (user03)" in [who for who, *_ in expected]


def test_each_day_counts_the_school_clock_day_including_the_hour_the_clocks_go_back(
    figures,
) -> None:
    events, report = figures
    per_day = {day: [0, 0] for day in WEEK.days()}
    for e in events:
        per_day[e.time.astimezone(LONDON).date()][e.action == "block"] += 1
    assert report.per_day == [(f"{day:%a %-d}", a, b) for day, (a, b) in per_day.items()]
    assert sum(a + b for _, a, b in report.per_day) == report.totals["decisions"]
