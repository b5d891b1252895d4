"""The report form: small on a phone, names suggested as the reporter types."""

from __future__ import annotations

import pytest

from harbour.apps.people.models import Person
from tests.fixtures import sign_in

pytestmark = pytest.mark.django_db


def test_names_are_suggested_from_two_letters_and_at_most_twenty(school, people, client) -> None:
    Person.objects.bulk_create(
        Person(kind="pupil", external_id=f"Q{i:04d}", first_name="Milo", last_name=f"Many{i}")
        for i in range(30)
    )
    sign_in(client, school["bob"])
    assert client.get("/records/report/people/?q=m").json() == {"people": []}
    found = client.get("/records/report/people/?q=mi").json()["people"]
    assert (
        len(found) == 20
        and {"id": "P00001", "name": "Mia Example", "kind": "pupil", "class": ""} in found
    )
    assert (
        client.get("/records/report/people/?q=P00002").json()["people"][0]["name"] == "Leo Sample"
    )


def test_the_form_does_not_carry_the_directory(school, people, client) -> None:
    Person.objects.bulk_create(
        Person(kind="pupil", external_id=f"Q{i:04d}", first_name="Pupil", last_name=f"N{i}")
        for i in range(500)
    )
    sign_in(client, school["bob"])
    page = client.get("/records/report/").content
    assert b"Mia" not in page and b"P00001" not in page and len(page) < 20_000


def test_a_report_needs_a_chosen_risk(school, people, client) -> None:
    sign_in(client, school["bob"])
    page = client.post(
        "/records/report/",
        {
            "kind": "concern",
            "what_happened": "x",
            "occurred_at": "2026-11-20T10:00",
            "four_cs": ["conduct"],
            "severity": "3",
        },
    )
    assert page.status_code == 200 and "risk_category" in page.context["form"].errors
