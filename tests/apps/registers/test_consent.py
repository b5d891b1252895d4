"""Photo/video consent with history, "may we publish this?", and phone permission forms."""

from __future__ import annotations

from datetime import date

import pytest

from harbour.apps.audit.models import AuditEntry
from harbour.apps.people.models import Person
from harbour.apps.registers import consent

pytestmark = pytest.mark.django_db


def pupil(external_id: str, first: str, last: str = "Young") -> Person:
    return Person.objects.create(
        kind="pupil",
        external_id=external_id,
        first_name=first,
        last_name=last,
        year=4,
        class_name="4A",
        username=f"{first.lower()}{external_id}",
    )


def test_may_we_publish_answers_each_pupil_with_the_reason() -> None:
    ana, ben, cai = pupil("P1", "Ana"), pupil("P2", "Ben"), pupil("P3", "Cai")
    consent.set_consent(ana, "press", True, date(2026, 9, 5), "Ana's mother", "dsl")
    consent.set_consent(ben, "press", False, date(2026, 9, 5), "Ben's father", "dsl")
    consent.set_consent(cai, "website", True, date(2026, 9, 5), "Cai's carer", "dsl")

    answers = {
        a.pupil.external_id: a
        for a in consent.may_publish([ana, ben, cai], "press", date(2026, 10, 1))
    }

    assert (
        answers["P1"].allowed
        and answers["P1"].reason == "consent given by Ana's mother from 05 Sep 2026"
    )
    assert not answers["P2"].allowed and "refused by Ben's father" in answers["P2"].reason
    assert (
        not answers["P3"].allowed
        and answers["P3"].reason == "no consent recorded for press and local media"
    )


def test_a_withdrawal_applies_from_its_date_and_the_history_is_kept() -> None:
    ana = pupil("P1", "Ana")
    consent.set_consent(ana, "social-media", True, date(2026, 9, 5), "Ana's mother", "dsl")
    consent.set_consent(
        ana, "social-media", False, date(2026, 11, 2), "Ana's mother", "dsl", notes="moved house"
    )

    assert consent.may_publish([ana], "social-media", date(2026, 11, 1))[0].allowed
    assert not consent.may_publish([ana], "social-media", date(2026, 11, 2))[0].allowed
    assert [c.granted for c in ana.consents.all()] == [False, True]
    assert AuditEntry.objects.filter(object_type="registers.consent", action="create").count() == 2


def test_consent_is_only_recorded_for_pupils_and_known_uses() -> None:
    teacher = Person.objects.create(
        kind="staff", external_id="S1", first_name="Tia", last_name="Teach"
    )
    with pytest.raises(ValueError, match="not a pupil"):
        consent.set_consent(teacher, "press", True, date(2026, 9, 5), "self", "dsl")
    with pytest.raises(ValueError, match="unknown use"):
        consent.set_consent(pupil("P1", "Ana"), "billboard", True, date(2026, 9, 5), "mum", "dsl")


def test_pupils_are_found_by_upn_username_or_name_and_strangers_are_reported() -> None:
    pupil("P1", "Ana")
    pupil("P2", "Ben", "Evans")
    pupil("P3", "Ben", "Evans")
    found, unknown = consent.find_pupils("P1\nBen Evans, nobody here")
    assert [p.external_id for p in found] == ["P1"]
    assert unknown == [
        "Ben Evans (several pupils by that name)",
        "nobody here (no pupil by that name)",
    ]


def test_a_phone_permission_lasts_until_its_expiry_date() -> None:
    ana = pupil("P1", "Ana")
    assert consent.phone_permission(ana, date(2026, 9, 1)) is None
    consent.set_phone_permission(
        ana,
        True,
        "Ana's mother",
        date(2026, 9, 1),
        "dsl",
        reason="walks home alone",
        expires_on=date(2027, 7, 20),
    )
    assert consent.phone_permission(ana, date(2027, 7, 20)).reason == "walks home alone"
    assert consent.phone_permission(ana, date(2027, 7, 21)) is None
