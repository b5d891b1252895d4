"""Demo data: a school week of browsing by the sample school, decided by the real engine."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

PAGES = [
    "https://www.bbc.co.uk/bitesize/topics/volcanoes",
    "https://www.google.com/search?q=volcano+facts+for+kids",
    "https://www.google.com/search?q=roman+britain+timeline",
    "https://www.bing.com/search?q=times+tables+games",
    "https://duckduckgo.com/?q=how+do+plants+make+food",
    "https://www.youtube.com/results?search_query=water+cycle+song",
    "https://www.nationalarchives.gov.uk/education/",
    "https://maths.example.org/fractions",
    "https://games.example.com/play",
    "http://blocked.example.org/",
    "https://social.example.net/feed",
    "https://oakbridge.example.sch.uk/homework",
]
EVENTS_A_DAY = 400


def seed_week(actor: Any) -> None:
    """Spool and ingest a week of school-day browsing (once: skipped when events exist)."""
    from harbour.apps.events.ingest import ingest
    from harbour.apps.events.models import DecisionEvent
    from harbour.apps.people.models import Person
    from harbour.apps.policies.service import write_gateway_snapshot
    from harbour.events import SpoolWriter, decision_event
    from harbour.filtering import FilterEngine
    from harbour.paths import data_dir, spool_dir

    if DecisionEvent.objects.exists():
        return
    write_gateway_snapshot()
    engine = FilterEngine.open(data_dir())
    people = list(
        Person.objects.filter(active=True, kind__in=["pupil", "staff"])
        .exclude(username=None)
        .values_list("username", flat=True)
    )
    if not people:
        return
    rng = random.Random(11)
    today = timezone.localdate()
    with SpoolWriter(spool_dir(), background=False) as spool:
        for back in range(7, 0, -1):
            day = today - timedelta(days=back)
            if day.weekday() >= 5:
                continue
            opening = timezone.make_aware(datetime.combine(day, time(8, 45)))
            for _ in range(EVENTS_A_DAY):
                when = opening + timedelta(seconds=rng.randrange(6 * 3600 + 30 * 60))
                user = rng.choice(people)
                number = rng.randrange(1, 250)
                who = replace(
                    engine.who_for_user(user, ip=f"10.10.{number // 100}.{number}"),
                    device=f"LAPTOP-{number:03d}",
                )
                decision = engine.decide(who, rng.choice(PAGES), when)
                spool.append(decision_event(decision, who, when, "proxy"))
    ingest(spool_dir())
