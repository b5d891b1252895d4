"""Training due dates follow the sample policy's periods exactly."""

from __future__ import annotations

from datetime import date

import pytest

from harbour.apps.registers.training import Duty, course_for, duties, next_due, record_completion
from harbour.policy import load_policy
from tests.paths import SAMPLE_POLICY

POLICY = load_policy(SAMPLE_POLICY)
TODAY = date(2027, 1, 10)


def due(key: str, start: date | None, last: date | None, today: date = TODAY) -> date | None:
    return next_due(POLICY.training[key], start, last, today)


def test_induction_is_due_on_the_start_date_until_it_is_recorded() -> None:
    assert due("staff-induction", date(2027, 1, 4), None) == date(2027, 1, 4)
    assert due("staff-induction", date(2027, 1, 4), date(2027, 1, 5)) is None


def test_annual_refresher_falls_due_twelve_months_after_the_last_across_the_year_end() -> None:
    assert due("staff-refresher", date(2020, 9, 1), date(2026, 12, 15)) == date(2027, 12, 15)
    assert due("staff-refresher", date(2020, 9, 1), date(2025, 12, 31)) == date(2026, 12, 31)


def test_first_refresher_is_a_year_after_starting_when_it_is_not_an_induction_duty() -> None:
    assert due("staff-refresher", date(2026, 1, 31), None) == date(2027, 1, 31)
    assert due("dsl-update", date(2025, 11, 30), None) == date(2026, 11, 30)


def test_dsl_training_every_two_years_from_29_february_lands_on_28_february() -> None:
    assert due("dsl", date(2020, 9, 1), date(2024, 2, 29)) == date(2026, 2, 28)
    assert due("dsl", date(2020, 9, 1), None) == date(2020, 9, 1)  # at induction first


def test_governor_training_every_three_years_from_the_31st() -> None:
    assert due("governors", date(2023, 9, 1), date(2025, 12, 31)) == date(2028, 12, 31)
    assert due("governors", date(2023, 9, 1), date(2025, 8, 31)) == date(2028, 8, 31)


def test_a_missing_start_date_makes_the_duty_due_today() -> None:
    assert due("staff-induction", None, None) == TODAY


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2027, 12, 16), "overdue"),
        (date(2027, 12, 15), "due soon"),
        (date(2027, 11, 15), "due soon"),
        (date(2027, 11, 14), "ok"),
    ],
)
def test_duty_state_turns_overdue_the_day_after_the_due_date(today, state) -> None:
    requirement = POLICY.training["staff-refresher"]
    duty = Duty("staff-refresher", requirement, date(2026, 12, 15), date(2027, 12, 15), today)
    assert duty.state == state


@pytest.mark.django_db
def test_each_role_gets_the_policy_duties_and_the_newest_completion_counts(school) -> None:
    from harbour.apps.people.models import Person
    from harbour.apps.policies.service import current_policy

    policy = current_policy()
    dsl = Person.objects.create(
        kind="staff",
        external_id="S901",
        first_name="Ada",
        last_name="Lead",
        role="dsl",
        start_date=date(2022, 9, 1),
    )
    teacher = Person.objects.create(
        kind="staff",
        external_id="S902",
        first_name="Tom",
        last_name="Class",
        start_date=date(2023, 1, 31),
    )
    governor = Person.objects.create(
        kind="governor", external_id="G901", first_name="Gil", last_name="Board"
    )
    pupil = Person.objects.create(
        kind="pupil", external_id="P901", first_name="Pip", last_name="Young", year=3
    )
    course = course_for("dsl", policy)
    record_completion(dsl, course, date(2023, 3, 31), "test")
    record_completion(dsl, course, date(2025, 12, 31), "test")
    record_completion(dsl, course, date(2024, 2, 29), "test")  # entered late: older than the newest

    by_key = {d.key: d for d in duties(dsl, policy, TODAY)}
    assert set(by_key) == {"staff-induction", "staff-refresher", "dsl", "dsl-update"}
    assert by_key["dsl"].last == date(2025, 12, 31) and by_key["dsl"].due == date(2027, 12, 31)
    assert by_key["staff-induction"].state == "overdue"  # never recorded; due on 2022-09-01
    assert {d.key for d in duties(teacher, policy, TODAY)} == {"staff-induction", "staff-refresher"}
    assert [d.key for d in duties(governor, policy, TODAY)] == ["governors"]
    assert duties(pupil, policy, TODAY) == []
