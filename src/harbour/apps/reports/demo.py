"""Demo data for the reports: a school week of browsing on real category-list sites, decided
by the real engine and loaded through the real spool and ingest (so the classifier raises its
alerts on the searches as it would in school)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import quote_plus

from django.utils import timezone

DEVICE_PREFIX = "OAK-"
ORDINARY = [
    "https://www.bbc.co.uk/bitesize/subjects/zjxhfg8",
    "https://en.wikipedia.org/wiki/Volcano",
    "https://www.khanacademy.org/math/arithmetic",
    "https://www.nationalarchives.gov.uk/education/",
    "https://oakbridge.example.sch.uk/homework",
]
SEARCHES = ["volcano facts for kids", "roman britain timeline", "times tables games", "how do plants make food",
            "life cycle of a frog", "tudor houses homework", "fractions worksheet year 5"]
TEMPTING = {  # what pupils try, by weight
    "https://www.roblox.com/games": 6, "https://poki.com/": 4, "https://www.miniclip.com/": 3,
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ": 6, "https://www.tiktok.com/": 4,
    "https://www.instagram.com/": 3, "https://www.facebook.com/": 2, "https://nordvpn.com/": 1,
    "https://www.bet365.com/": 1, "https://www.amazon.co.uk/": 2, "https://discord.com/": 2,
}
STAFF_SITES = ["https://www.amazon.co.uk/", "https://www.roblox.com/", "https://www.youtube.com/watch?v=ks2science",
               "https://www.facebook.com/"]
# A few things the DSL must see in the week (a fictional pupil's searches).
CONCERNS = ["how many paracetamol does it take to overdose", "i want to kill myself", "how to buy weed online"]


def _url_for_search(terms: str) -> str:
    return f"https://www.google.com/search?q={quote_plus(terms)}"


def seed_browsing(actor: Any) -> None:
    """Spool and ingest last week's browsing once (skipped when the demo devices have events)."""
    from harbour.apps.events.ingest import ingest
    from harbour.apps.events.models import DecisionEvent
    from harbour.apps.people.models import Person
    from harbour.apps.policies.service import write_gateway_snapshot
    from harbour.events import SpoolWriter, decision_event
    from harbour.filtering import FilterEngine
    from harbour.paths import data_dir, spool_dir

    if DecisionEvent.objects.filter(device__startswith=DEVICE_PREFIX).exists():
        return
    write_gateway_snapshot()
    engine = FilterEngine.open(data_dir())
    pupils = list(Person.objects.filter(active=True, kind="pupil", year__gte=3).exclude(username=None)
                  .values_list("username", flat=True))
    staff = list(Person.objects.filter(active=True, kind="staff").exclude(username=None).values_list("username", flat=True))
    if not pupils or not staff:
        return
    rng = random.Random(2026)
    tempting, weights = zip(*TEMPTING.items(), strict=True)
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday() + 7)
    concerned = pupils[len(pupils) // 2]

    def visit(spool: Any, user: str, url: str, when: datetime) -> None:
        number = rng.randrange(1, 250)
        who = engine.who_for_user(user, ip=f"10.10.{number // 100}.{number}")
        decision = engine.decide(who, url, when)
        spool.append(decision_event(decision, who, when, "proxy") | {"device": f"{DEVICE_PREFIX}{number:03d}"})

    with SpoolWriter(spool_dir(), background=False) as spool:
        for offset in range(5):
            day = monday + timedelta(days=offset)
            start = timezone.make_aware(datetime.combine(day, time(8, 40)))
            for _ in range(900):
                when = start + timedelta(seconds=rng.randrange(7 * 3600))
                roll = rng.random()
                if roll < 0.55:
                    url = rng.choice(ORDINARY)
                elif roll < 0.8:
                    url = _url_for_search(rng.choice(SEARCHES))
                else:
                    url = rng.choices(tempting, weights)[0]
                visit(spool, rng.choice(pupils), url, when)
            for _ in range(150):  # staff, lunch times included
                lunch = rng.random() < 0.3
                when = timezone.make_aware(datetime.combine(day, time(12, 5) if lunch else time(9, 30))) + timedelta(
                    seconds=rng.randrange(50 * 60 if lunch else 5 * 3600))
                url = rng.choice(STAFF_SITES) if rng.random() < 0.3 else rng.choice(ORDINARY)
                visit(spool, rng.choice(staff), url, when)
        thursday = timezone.make_aware(datetime.combine(monday + timedelta(days=3), time(21, 40)))
        for minutes, terms in enumerate(CONCERNS):
            visit(spool, concerned, _url_for_search(terms), thursday + timedelta(minutes=7 * minutes))
        visit(spool, concerned, "http://iwf-canary.harbour-selftest.example/", thursday + timedelta(minutes=30))
    ingest(spool_dir())
