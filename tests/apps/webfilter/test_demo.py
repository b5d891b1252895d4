"""The demo's filtering data: requests in each state and a week of events, made once."""

from __future__ import annotations

from harbour.apps.accounts.service import ensure_login
from harbour.apps.events.demo import EVENTS_A_DAY, seed_week
from harbour.apps.events.models import DecisionEvent
from harbour.apps.people.models import Person
from harbour.apps.webfilter.demo import seed_requests
from harbour.apps.webfilter.models import FilterRequest
from tests.fixtures import PASSWORD


def test_the_demo_seeds_requests_in_each_state_and_a_week_of_events_once(school) -> None:
    for username, role in [
        ("taylor.brooks", "staff"),
        ("casey.nwosu", "staff"),
        ("robin.hale", "it-technician"),
        ("alex.morgan", "dsl"),
    ]:
        ensure_login(username, role, PASSWORD, "test", username.split(".")[0], "Demo")
    Person.objects.create(
        kind="pupil",
        external_id="P1",
        first_name="Ava",
        last_name="Demo",
        year=5,
        class_name="5A",
        username="ava.demo",
    )
    seed_requests("demo")
    seed_requests("demo")
    states = sorted(FilterRequest.objects.values_list("kind", "status"))
    assert states == [
        ("list-add", "approved"),
        ("unblock", "approved"),
        ("unblock", "pending"),
        ("unblock", "refused"),
    ]
    seed_week("demo")
    stored = DecisionEvent.objects.count()
    assert stored == 5 * EVENTS_A_DAY  # the five school days of any seven
    assert DecisionEvent.objects.filter(user="ava.demo", action="block").exists()
    seed_week("demo")
    assert DecisionEvent.objects.count() == stored
