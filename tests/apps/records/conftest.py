"""A school with pupils and staff in the directory, and a helper to report records."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone


@pytest.fixture
def people(school):
    """Pupils (one under 13, one with a login) and staff entries for the cast."""
    from harbour.apps.people.models import Person

    made = {
        "mia": Person.objects.create(
            kind="pupil",
            external_id="P00001",
            first_name="Mia",
            last_name="Example",
            year=5,
            date_of_birth=date(2016, 3, 4),
            username="mia.example",
        ),
        "leo": Person.objects.create(
            kind="pupil",
            external_id="P00002",
            first_name="Leo",
            last_name="Sample",
            year=6,
            date_of_birth=date(2015, 1, 9),
            username="leo.sample",
        ),
        "zoe": Person.objects.create(
            kind="pupil",
            external_id="P00003",
            first_name="Zoe",
            last_name="Older",
            year=9,
            date_of_birth=date(2011, 10, 2),
        ),
    }
    for name in ("bob", "carol", "alice", "harry", "ivan"):
        made[name] = Person.objects.create(
            kind="staff",
            external_id=f"S-{name}",
            first_name=name.title(),
            last_name="Example",
            username=name,
            date_of_birth=date(1980, 5, 1),
        )
    return made


@pytest.fixture
def report(school, people):
    """report(actor_name, kind="concern", **fields) -> Record, through the service."""
    from harbour.apps.records import service

    def make(
        actor: str = "bob", kind: str = "concern", parts: tuple = (("mia", "victim"),), **fields
    ):
        data = {
            "what_happened": f"{kind} reported by {actor}: secret detail {actor}-{kind}",
            "occurred_at": timezone.now() - timezone.timedelta(hours=1),
            "risk_category": "bullying",
            "four_cs": ["conduct"],
            "severity": 3,
        } | fields
        return service.report(
            school[actor],
            service.Report(
                kind=kind, people=[(people[name], part) for name, part in parts], **data
            ),
        )

    return make


@pytest.fixture
def alert_about(people):
    """alert_about(name, category) -> a real monitoring alert about a pupil, raised now."""
    from harbour.apps.alerts.models import Alert

    def make(name: str, category: str, severity: int = 3, source: str = "search"):
        now = timezone.now()
        person = people[name]
        return Alert.objects.create(
            person=person,
            username=person.username or "",
            first_seen=now,
            last_seen=now,
            category=category,
            severity=severity,
            source=source,
            group_key=f"{name}|{category}",
        )

    return make
