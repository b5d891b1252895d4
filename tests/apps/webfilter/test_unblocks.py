"""Unblock requests from the form to the filter: approval, refusal, classes, expiry, lists,
the locked tier, and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from harbour.apps.audit.models import AuditEntry
from harbour.apps.events.worker import periodic_jobs
from harbour.apps.people.models import Person
from harbour.apps.policies.service import contributors, write_gateway_snapshot
from harbour.apps.webfilter import service
from harbour.apps.webfilter.models import FilterRequest
from harbour.filtering import FilterEngine
from harbour.paths import data_dir, policy_snapshot_path
from harbour.policy.snapshot import read_snapshot
from tests.apps.webfilter.conftest import ILLEGAL
from tests.fixtures import sign_in

SITE = "blocked.example.org"  # on the sample policy's school block list: blocked for everyone
URL = f"http://{SITE}/lesson"


def decide(group: str, url: str = URL, when=None) -> str:
    engine = FilterEngine.open(data_dir())
    return engine.decide(engine.who_for_group(group), url, when).action


def ask(client, **changes) -> object:
    form = {
        "target_kind": "domain",
        "domain": SITE,
        "groups": ["pupils-ks2"],
        "period": "lesson",
        "reason": "Year 5 research on volcanoes",
    }
    form.update(changes)
    return client.post("/filtering/request/", form)


def approve(
    client, item: FilterRequest, note: str = "fine for the lesson", decision: str = "approve"
):
    return client.post(
        f"/filtering/requests/{item.pk}/decide/", {"decision": decision, "note": note}
    )


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the snapshot write) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_an_approved_unblock_allows_the_site_for_that_group_only(school, client, commits) -> None:
    write_gateway_snapshot()
    assert decide("pupils-ks2") == "block"
    assert ask(sign_in(client, school["bob"])).status_code == 302
    item = FilterRequest.objects.get()
    assert (item.status, item.target, item.groups) == ("pending", SITE, ["pupils-ks2"])
    assert decide("pupils-ks2") == "block", "nothing changes before approval"
    with commits():
        approve(sign_in(client, school["ivan"]), item)
    item.refresh_from_db()
    assert item.status == "approved" and item.decided_by == school["ivan"]
    overrides = read_snapshot(policy_snapshot_path()).overrides
    assert [(o.id, o.target, o.groups) for o in overrides] == [
        (item.pk, f"domain:{SITE}", ("pupils-ks2",))
    ]
    assert decide("pupils-ks2") == "allow"
    assert decide("pupils-ks1") == "block"
    assert decide("pupils-ks2", when=item.expires + timedelta(seconds=1)) == "block"


def test_sites_on_the_illegal_content_list_cannot_be_requested(school, client) -> None:
    response = ask(sign_in(client, school["bob"]), domain=f"https://www.{ILLEGAL}/x")
    assert response.status_code == 200
    assert (
        "illegal-content list" in response.content.decode()
        and "Nobody can unblock it" in response.content.decode()
    )
    assert not FilterRequest.objects.exists()


def test_a_locked_list_is_not_offered_as_a_category(school, client) -> None:
    response = ask(sign_in(client, school["bob"]), target_kind="category", category="iwf")
    assert "iwf is not one of the available choices" in response.content.decode()
    assert not FilterRequest.objects.exists()
    assert service.is_locked("category", "iwf") and not service.is_locked("category", "games")


def test_nobody_approves_their_own_request(school, client) -> None:
    ask(sign_in(client, school["ivan"]))
    item = FilterRequest.objects.get()
    response = approve(client, item)
    assert "cannot decide your own request" in client.get(response["Location"]).content.decode()
    item.refresh_from_db()
    assert item.status == "pending"


def test_a_refusal_needs_a_note_which_the_requester_then_reads(school, client) -> None:
    ask(sign_in(client, school["carol"]))
    item = FilterRequest.objects.get()
    approve(sign_in(client, school["alice"]), item, note="", decision="refuse")
    item.refresh_from_db()
    assert item.status == "pending"
    approve(client, item, note="Use the BBC Bitesize page instead", decision="refuse")
    item.refresh_from_db()
    assert item.status == "refused"
    page = sign_in(client, school["carol"]).get("/filtering/requests/").content.decode()
    assert "Use the BBC Bitesize page instead" in page and "Refused" in page


def test_an_unblock_for_a_class_reaches_that_class_and_no_other(school, client, commits) -> None:
    for username, class_name in [("ava.t", "5B"), ("ben.k", "5A")]:
        Person.objects.create(
            kind="pupil",
            external_id=username,
            first_name="Ava",
            last_name="Test",
            year=5,
            class_name=class_name,
            username=username,
        )
    ask(sign_in(client, school["bob"]), groups=[], class_name="5B")
    with commits():
        approve(sign_in(client, school["dora"]), FilterRequest.objects.get())
    engine = FilterEngine.open(data_dir())
    assert engine.decide(engine.who_for_user("ava.t"), URL).action == "allow"
    assert engine.decide(engine.who_for_user("ben.k"), URL).action == "block"


def test_a_custom_period_must_end_after_it_starts_and_last_a_term_at_most(school, client) -> None:
    sign_in(client, school["bob"])
    now = timezone.localtime()
    backwards = ask(
        client,
        period="custom",
        starts=now.strftime("%Y-%m-%dT%H:%M"),
        ends=(now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    )
    assert "must be after its start" in backwards.content.decode()
    too_long = ask(
        client,
        period="custom",
        starts=now.strftime("%Y-%m-%dT%H:%M"),
        ends=(now + timedelta(days=200)).strftime("%Y-%m-%dT%H:%M"),
    )
    assert "a term at most" in too_long.content.decode()
    assert not FilterRequest.objects.exists()


def test_unblocks_past_their_end_are_marked_expired_and_leave_the_snapshot(
    school, client, commits
) -> None:
    ask(sign_in(client, school["bob"]))
    ask(client, domain="maths.example.org")
    first, second = FilterRequest.objects.order_by("pk")
    with commits():
        approve(sign_in(client, school["ivan"]), first)
    FilterRequest.objects.filter(pk=first.pk).update(expires=timezone.now() - timedelta(minutes=1))
    FilterRequest.objects.filter(pk=second.pk).update(expires=timezone.now() - timedelta(minutes=1))
    with commits():
        assert service.expire_due() == 2
    assert set(FilterRequest.objects.values_list("status", flat=True)) == {"expired"}
    assert read_snapshot(policy_snapshot_path()).overrides == []
    assert service.expire_due() == 0
    assert ("filtering-expire-unblocks", 30.0, service.expire_due) in periodic_jobs


def test_revoking_ends_an_unblock_at_once(school, client, commits) -> None:
    ask(sign_in(client, school["bob"]))
    item = FilterRequest.objects.get()
    with commits():
        approve(sign_in(client, school["alice"]), item)
    assert decide("pupils-ks2") == "allow"
    with commits():
        client.post(f"/filtering/requests/{item.pk}/revoke/", {"note": "lesson finished early"})
    item.refresh_from_db()
    assert item.status == "revoked" and decide("pupils-ks2") == "block"


def test_an_allow_list_addition_allows_a_site_for_everyone_until_removed(
    school, client, commits
) -> None:
    sign_in(client, school["ivan"]).post(
        "/filtering/lists/",
        {"list_name": "school-allow", "domain": SITE, "reason": "whole-school project"},
    )
    addition = FilterRequest.objects.get(kind="list-add")
    with commits():
        approve(sign_in(client, school["alice"]), addition)
    assert decide("pupils-ks1") == "allow" and decide("visitors") == "allow"
    sign_in(client, school["ivan"]).post(
        f"/filtering/lists/{addition.pk}/remove/", {"reason": "project over"}
    )
    removal = FilterRequest.objects.get(kind="list-remove")
    with commits():
        approve(sign_in(client, school["dora"]), removal)
    addition.refresh_from_db()
    assert addition.status == "removed" and decide("pupils-ks1") == "block"


def test_every_step_is_audited_and_in_the_change_log_without_pupil_names(
    school, client, commits
) -> None:
    Person.objects.create(
        kind="pupil", external_id="p1", first_name="Maisie", last_name="Orchard", year=5
    )
    ask(sign_in(client, school["bob"]), reason="Maisie Orchard needs it for her project")
    item = FilterRequest.objects.get()
    with commits():
        approve(sign_in(client, school["ivan"]), item, note="ok for Maisie")
    actions = list(
        AuditEntry.objects.filter(
            object_id=str(item.pk), object_type="webfilter.filterrequest"
        ).values_list("actor", "action")
    )
    assert actions == [("bob", "request"), ("ivan", "approve")]
    page = sign_in(client, school["gina"]).get("/filtering/changes/").content.decode()
    assert "Requested" in page and "Approved" in page and SITE in page and "pupils-ks2" in page
    assert "[pupil] [pupil] needs it for her project" in page and "ok for [pupil]" in page
    assert "Maisie" not in page and "Orchard" not in page


def test_the_override_contributor_is_registered_with_the_policy_service() -> None:
    assert service.contribute_overrides in contributors


def test_an_approved_block_list_addition_blocks_the_site_for_everyone(
    school, client, commits
) -> None:
    site = "http://quiz.example.com/answers"
    write_gateway_snapshot()
    assert decide("staff", site) == "allow"
    sign_in(client, school["ivan"]).post(
        "/filtering/lists/",
        {"list_name": "school-block", "domain": "quiz.example.com", "reason": "cheating"},
    )
    addition = FilterRequest.objects.get()
    with commits():
        approve(sign_in(client, school["alice"]), addition)
    addition.refresh_from_db()
    assert addition.status == "approved"
    assert decide("staff", site) == "block" and decide("pupils-ks1", site) == "block"


def test_the_change_log_sums_up_the_school_year_for_governors(school, client, commits) -> None:
    from harbour.apps.webfilter.changelog import school_year_start, summary

    ask(sign_in(client, school["bob"]))
    ask(client, domain="maths.example.org")
    first, second = FilterRequest.objects.order_by("pk")
    FilterRequest.objects.filter(pk=first.pk).update(
        requested_at=timezone.now() - timedelta(hours=3)
    )
    first.refresh_from_db()
    with commits():
        approve(sign_in(client, school["ivan"]), first)
    approve(client, second, decision="refuse", note="not suitable")
    figures = summary(timezone.now())
    assert (figures.requested, figures.approved, figures.refused, figures.in_force) == (2, 1, 1, 1)
    assert 1.4 < figures.median_hours_to_decide < 1.6  # 3 h and ~0 h
    assert school_year_start(timezone.now().date().replace(month=8, day=31)).month == 9
    page = sign_in(client, school["gina"]).get("/filtering/changes/").content.decode()
    assert "Approved / refused" in page and "1 / 1" in page
