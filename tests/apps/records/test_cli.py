"""``harbour records overdue`` and ``due``: numbers, never names; the demo's records."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from harbour.apps.records import service
from harbour.cli import main

pytestmark = pytest.mark.django_db


def test_overdue_lists_late_actions_by_number_and_fails_while_any_are_late(
    school, report, capsys
) -> None:
    assert main(["records", "overdue"]) == 0
    rec = report(
        kind="incident", incident_type="non-educational-sites", parts=(("leo", "instigator"),)
    )
    service.plan_action(
        school["alice"], rec.actions.first(), school["dora"], date.today() - timedelta(days=1)
    )
    assert main(["records", "overdue"]) == 1
    out = capsys.readouterr().out
    assert f"{rec}\tRefer to class teacher" in out and "Leo" not in out and "secret" not in out


def test_due_lists_closed_records_past_retention(school, report, capsys) -> None:
    rec = report()
    service.transition(school["alice"], rec, "open")
    service.transition(school["alice"], rec, "closed", "done", "resolved")
    assert main(["records", "due", "--on", "2042-01-01"]) == 0
    assert f"{rec}\tkeep until 2041-03-04" in capsys.readouterr().out


def test_the_demo_seeds_records_once(school) -> None:
    from harbour.apps.people.models import Person
    from harbour.apps.people.roster import apply_plan, parse_roster, plan_import
    from harbour.apps.people.sample import sample_roster
    from harbour.apps.policies.service import current_policy
    from harbour.apps.records.models import Record
    from harbour.cli.records_cmd import seed_demo_records

    if not Person.objects.filter(kind="pupil").exists():
        apply_plan(plan_import(parse_roster(sample_roster(), "sample", current_policy())), "test")
    seed_demo_records("demo")
    seed_demo_records("demo")
    assert sorted(Record.objects.values_list("kind", flat=True)) == [
        "allegation",
        "incident",
        "incident",
    ]
