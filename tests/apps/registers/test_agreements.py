"""Acceptable use agreements: signing, new versions, renewal, coverage, and the filter."""

from __future__ import annotations

from datetime import date

import pytest

from harbour.apps.audit.models import AuditEntry
from harbour.apps.people.models import Person
from harbour.apps.policies.service import adopt_policy, current_policy, write_gateway_snapshot
from harbour.apps.registers import aup
from harbour.filtering import FilterEngine
from harbour.policy import load_policy
from tests.apps.registers.conftest import SOCIAL_SITE, staff_member
from tests.paths import SAMPLE_POLICY

pytestmark = pytest.mark.django_db


def decision(data_dir, username: str):  # type: ignore[no-untyped-def]
    engine = FilterEngine.open(data_dir)
    return engine.decide(engine.who_for_user(username), f"https://{SOCIAL_SITE}/feed")


def test_new_staff_member_is_denied_until_they_sign_then_allowed_both_audited(
    school, data_dir
) -> None:
    bob = staff_member()
    write_gateway_snapshot()
    before = decision(data_dir, "bob")
    assert before.blocked and before.activity == "social-media"
    restrict = AuditEntry.objects.get(action="aup-restrict")
    assert restrict.after["username"] == "bob" and restrict.after["missing"] == ["staff"]

    aup.sign(bob, "staff", current_policy(), school["bob"], ip="127.0.0.1", device="test browser")

    after = decision(data_dir, "bob")
    assert not after.blocked
    assert (
        AuditEntry.objects.filter(action="sign", summary__contains="Staff and volunteer").count()
        == 1
    )
    assert AuditEntry.objects.get(action="aup-lift").before["username"] == "bob"
    assert aup.Restriction.objects.count() == 0


def test_a_new_version_in_the_policy_asks_everyone_affected_to_sign_again(school, data_dir) -> None:
    bob = staff_member()
    aup.sign(bob, "staff", current_policy(), "test")
    assert [s.state for s in aup.statuses(bob, current_policy()) if s.key == "staff"] == ["signed"]
    text = SAMPLE_POLICY.read_text().replace(
        'audience = "staff"\nversion = "2026.1"', 'audience = "staff"\nversion = "2027.1"'
    )
    adopt_policy(text, "new staff agreement", "test")
    write_gateway_snapshot()
    status = next(s for s in aup.statuses(bob, current_policy()) if s.key == "staff")
    assert status.state == "new version" and not status.current
    assert decision(data_dir, "bob").blocked


def test_an_agreement_lapses_after_its_renewal_period() -> None:
    agreement = load_policy(SAMPLE_POLICY).acceptable_use["staff"]  # renew_months = 12
    signed = aup.Signature(
        agreement="staff", version=agreement.version, signed_on=date(2025, 11, 30)
    )
    assert aup.is_current(signed, agreement, date(2026, 11, 29))
    assert not aup.is_current(signed, agreement, date(2026, 11, 30))


def test_coverage_counts_current_signatures_per_agreement_and_group(school) -> None:
    policy = current_policy()
    bob = staff_member()
    staff_member("carol", "S101")
    pupil = Person.objects.create(
        kind="pupil", external_id="P100", first_name="Ana", last_name="Young", year=4
    )
    aup.sign(bob, "staff", policy, "test")
    aup.sign(
        pupil,
        "parents",
        policy,
        "test",
        signer_name="Ana's father",
        method="paper",
        signed_on=date(2026, 9, 3),
    )
    table, outstanding = aup.coverage(policy)
    rows = {r.key: r for r in table}
    assert (rows["staff"].applies, rows["staff"].current) == (2, 1)
    assert rows["staff"].by_group == {"staff": [2, 1]}
    assert (rows["parents"].applies, rows["parents"].current) == (1, 1)
    assert (rows["pupils-ks2"].applies, rows["pupils-ks2"].current) == (1, 0)
    assert dict((p.external_id, keys) for p, keys in outstanding) == {
        "S101": ["staff"],
        "P100": ["pupils-ks2"],
    }


def test_an_agreement_for_another_audience_cannot_be_signed(school) -> None:
    bob = staff_member()
    with pytest.raises(ValueError, match="does not apply"):
        aup.sign(bob, "pupils-ks1", current_policy(), "test")
    assert aup.Signature.objects.count() == 0


def test_turning_the_requirement_off_lifts_every_restriction(school, data_dir) -> None:
    staff_member()
    write_gateway_snapshot()
    assert aup.Restriction.objects.filter(username="bob").exists()
    adopt_policy(
        SAMPLE_POLICY.read_text().replace(
            "require_current_aup = true", "require_current_aup = false"
        ),
        "no agreement needed",
        "test",
    )
    write_gateway_snapshot()
    assert not decision(data_dir, "bob").blocked
    assert not aup.Restriction.objects.exists()
    assert AuditEntry.objects.filter(action="aup-lift").count() == 1


def test_a_new_starter_imported_from_the_roster_is_restricted_at_once(
    school, data_dir, tmp_path
) -> None:
    from harbour.cli import main

    roster = tmp_path / "roster.csv"
    roster.write_text(
        "kind,external_id,last_name,first_name,start_date,username,role\n"
        "staff,S200,Newman,Nia,2026-11-23,nia.newman,staff\n"
    )
    assert main(["people", "import", str(roster)]) == 0
    assert decision(data_dir, "nia.newman").blocked
    assert AuditEntry.objects.get(action="aup-restrict").after["username"] == "nia.newman"
