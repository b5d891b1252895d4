"""A record's life: reported, recommended actions from the sanctions matrix, closed for good."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from harbour.apps.audit.models import AuditEntry
from harbour.apps.policies.service import active_version
from harbour.apps.records import service
from harbour.apps.records.models import Action
from harbour.apps.records.rules import RuleError

pytestmark = pytest.mark.django_db


def test_pupil_instigator_gets_the_pupils_matrix_actions_with_the_policy_version(report) -> None:
    rec = report(
        incident_type="offensive-messages",
        kind="incident",
        parts=(("leo", "instigator"), ("mia", "victim")),
    )
    actions = {a.code: a for a in rec.actions.all()}
    assert set(actions) == {
        "refer-head-of-year",
        "refer-headteacher",
        "inform-parents",
        "further-sanction",
    }
    assert all(
        a.recommended and a.policy_version == active_version().version for a in actions.values()
    )
    assert all(a.person.external_id == "P00002" for a in actions.values())


def test_staff_instigator_gets_the_staff_matrix_actions(report) -> None:
    rec = report(
        "alice", kind="allegation", incident_type="pupil-contact", parts=(("carol", "instigator"),)
    )
    assert {a.code for a in rec.actions.all()} == {
        "refer-headteacher",
        "refer-la-hr",
        "warning",
        "disciplinary-action",
    }


def test_an_incident_type_not_in_the_policy_is_refused(report) -> None:
    with pytest.raises(RuleError, match="sanctions matrix"):
        report(incident_type="made-up-row")


def test_status_goes_new_open_closed_and_closing_needs_outcome_and_reason(school, report) -> None:
    rec = report()
    alice = school["alice"]
    with pytest.raises(RuleError, match="only move to open"):
        service.transition(alice, rec, "closed", "x", "y")
    service.transition(alice, rec, "open")
    with pytest.raises(RuleError, match="outcome and a reason"):
        service.transition(alice, rec, "closed", "spoke to parents", "")
    service.transition(alice, rec, "closed", "Spoke to parents; support plan", "Resolved in school")
    rec.refresh_from_db()
    assert rec.status == "closed" and rec.closed_by == "alice" and rec.closed_at is not None


def test_a_closed_record_is_never_edited_or_reopened(school, report, people) -> None:
    rec = report()
    alice = school["alice"]
    service.transition(alice, rec, "open")
    service.transition(alice, rec, "closed", "done", "resolved")
    for attempt in (
        lambda: service.transition(alice, rec, "open"),
        lambda: service.add_note(alice, rec, "more"),
        lambda: service.update_details(alice, rec, severity=5),
        lambda: service.add_person(alice, rec, people["leo"], "witness"),
        lambda: service.add_action(alice, rec, "warning", reason="late"),
    ):
        with pytest.raises(RuleError, match="closed"):
            attempt()


def test_a_follow_up_is_a_new_record_linked_to_the_closed_one(school, report) -> None:
    first = report()
    service.transition(school["alice"], first, "open")
    service.transition(school["alice"], first, "closed", "done", "resolved")
    follow = report("alice")
    service.link_records(school["alice"], follow, first, "follow-up")
    assert list(first.links_in.values_list("from_record", flat=True)) == [follow.pk]


def test_closing_needs_every_action_done_or_declined_with_a_reason(school, report) -> None:
    rec = report(
        kind="incident", incident_type="non-educational-sites", parts=(("leo", "instigator"),)
    )
    alice = school["alice"]
    service.transition(alice, rec, "open")
    with pytest.raises(RuleError, match="still to do"):
        service.transition(alice, rec, "closed", "done", "resolved")
    warning = rec.actions.get(code="warning")
    referral = rec.actions.get(code="refer-class-teacher")
    with pytest.raises(RuleError, match="reason for not referring"):
        service.finish_action(alice, referral, "declined")
    service.finish_action(alice, referral, "declined", reason="the class teacher witnessed it")
    service.finish_action(alice, warning, "done")
    service.transition(alice, rec, "closed", "Warning given", "No repeat")
    assert Action.objects.get(pk=referral.pk).reason == "the class teacher witnessed it"


def test_an_action_the_policy_did_not_recommend_needs_its_reason(school, report) -> None:
    rec = report()
    with pytest.raises(RuleError, match="say why"):
        service.add_action(school["alice"], rec, "inform-parents")
    added = service.add_action(
        school["alice"], rec, "inform-parents", reason="parents asked to be told"
    )
    assert not added.recommended and added.reason == "parents asked to be told"


def test_overdue_actions_show_on_the_dsl_home_page_not_the_teachers(school, report, client) -> None:
    from tests.fixtures import sign_in

    rec = report(
        kind="incident", incident_type="non-educational-sites", parts=(("leo", "instigator"),)
    )
    service.plan_action(
        school["alice"],
        rec.actions.get(code="warning"),
        school["dora"],
        date.today() - timedelta(days=2),
    )
    home = sign_in(client, school["alice"]).get("/").content.decode()
    assert "Overdue actions" in home and "Warning (due" in home
    client.logout()
    assert "Overdue actions" not in sign_in(client, school["bob"]).get("/").content.decode()


def test_removing_network_access_moves_the_pupil_to_the_no_access_group_until_restored(
    school, report, django_capture_on_commit_callbacks
) -> None:
    from harbour.apps.policies.service import adopt_policy, build_snapshot
    from harbour.paths import policy_snapshot_path
    from harbour.policy.snapshot import read_snapshot
    from tests.paths import SAMPLE_POLICY

    no_access = (
        '\n[groups.no-access]\nkind = "pupil"\ntitle = "No network access"\nnominated = true\n'
    )
    adopt_policy(SAMPLE_POLICY.read_text() + no_access, "test", "test")
    rec = report(kind="incident", incident_type="filter-bypass", parts=(("leo", "instigator"),))
    cut = rec.actions.get(code="remove-network-access")
    before = build_snapshot().users["leo.sample"]
    assert "no-access" not in before
    with django_capture_on_commit_callbacks(execute=True):
        service.finish_action(school["alice"], cut, "done")
    assert read_snapshot(policy_snapshot_path()).users["leo.sample"] == ["no-access"]
    with django_capture_on_commit_callbacks(execute=True):
        service.restore_access(school["alice"], cut)
    assert read_snapshot(policy_snapshot_path()).users["leo.sample"] == before
    assert AuditEntry.objects.filter(summary__contains="network access restored").exists()


def test_without_a_no_access_group_the_policys_no_agreement_group_is_used(school) -> None:
    from harbour.apps.policies.service import current_policy
    from harbour.apps.records.network import no_access_group

    assert (
        no_access_group(current_policy()) == current_policy().filtering.no_aup_group == "visitors"
    )


def test_every_change_is_in_the_audit_log_without_what_happened(school, report) -> None:
    rec = report()
    service.add_note(school["alice"], rec, "Spoke to Mia")
    entries = AuditEntry.objects.filter(object_type__startswith="records.")
    assert {e.action for e in entries} >= {"create"}
    assert not any("secret detail" in str(e.after) + e.summary for e in entries)


def test_what_the_reporter_wrote_is_never_rewritten(school, report) -> None:
    rec = report()
    with pytest.raises(RuleError, match="cannot change what_happened"):
        service.update_details(school["alice"], rec, what_happened="tidied up")
    service.update_details(school["alice"], rec, severity=4, four_cs=["conduct", "contact"])
    rec.refresh_from_db()
    assert rec.severity == 4 and rec.what_happened.startswith("concern reported by bob")


def test_a_suspected_nude_image_flag_cannot_be_taken_off(school, report) -> None:
    rec = report(nude_image_suspected=True)
    with pytest.raises(RuleError, match="stays recorded"):
        service.update_details(school["alice"], rec, nude_image_suspected=False)


def test_the_headteachers_home_page_counts_open_allegations(school, report, client) -> None:
    from tests.fixtures import sign_in

    report("bob", kind="allegation", parts=(("carol", "instigator"),))
    home = sign_in(client, school["harry"]).get("/").content.decode()
    assert "Allegations against staff" in home and "Report a concern" in home


def test_a_follow_up_from_the_report_form_is_linked_to_the_closed_record(
    school, report, client
) -> None:
    from tests.fixtures import sign_in

    first = report()
    service.transition(school["alice"], first, "open")
    service.transition(school["alice"], first, "closed", "done", "resolved")
    sign_in(client, school["alice"])
    assert f"?follows={first.pk}" in client.get(f"/records/{first.pk}/").content.decode()
    assert (
        f'value="{first.pk}"' in client.get(f"/records/report/?follows={first.pk}").content.decode()
    )
    form = {
        "kind": "concern",
        "what_happened": "It happened again",
        "occurred_at": "2026-11-20T10:00",
        "four_cs": ["conduct"],
        "risk_category": "bullying",
        "severity": "3",
        "follows": str(first.pk),
    }
    response = client.post("/records/report/", form)
    assert response.status_code == 302
    assert first.links_in.get().reason == "follow-up"
    client.logout()
    sign_in(client, school["carol"])  # cannot see the first record, so cannot follow it up
    assert client.post("/records/report/", form).status_code == 404
