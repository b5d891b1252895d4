"""The demo's register data: realistic, idempotent, and one new starter left to sign."""

from __future__ import annotations

import pytest

from harbour.apps.people.models import Person
from harbour.apps.people.roster import apply_plan, parse_roster, plan_import
from harbour.apps.people.sample import sample_roster
from harbour.apps.policies.service import current_policy, write_gateway_snapshot
from harbour.apps.registers import demo
from harbour.apps.registers.models import Device, Review, Signature
from harbour.policy.snapshot import read_snapshot

pytestmark = pytest.mark.django_db


def test_the_demo_school_filters_normally_except_its_unsigned_new_starter(school, data_dir) -> None:
    apply_plan(plan_import(parse_roster(sample_roster(), "sample", current_policy())), "demo")
    demo.seed("demo")
    counts = (Signature.objects.count(), Device.objects.count(), Review.objects.count())
    demo.seed("demo")
    assert (Signature.objects.count(), Device.objects.count(), Review.objects.count()) == counts
    write_gateway_snapshot()
    users = read_snapshot(data_dir / "policy.json").users
    new_starter = Person.objects.get(external_id=demo.NEW_STARTER).username
    assert users[new_starter] == ["visitors"]
    staff = Person.objects.filter(kind="staff").exclude(external_id=demo.NEW_STARTER)
    assert all(users[p.username] == ["staff"] for p in staff)
