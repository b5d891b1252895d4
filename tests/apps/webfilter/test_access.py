"""Who may open which filtering page: the block page is open to all; the rest follow the gate."""

from __future__ import annotations

import pytest

from harbour.apps.webfilter.models import FilterRequest
from tests.fixtures import CAST, sign_in

REQUESTERS = {"alice", "dora", "harry", "ivan", "bob", "carol"}
APPROVERS = {"alice", "dora", "ivan"}
LIST_EDITORS = {"alice", "ivan"}
CHANGE_READERS = {"alice", "dora", "harry", "ivan", "gina"}
PAGES = {
    "/filtering/request/": REQUESTERS,
    "/filtering/requests/": REQUESTERS,
    "/filtering/queue/": APPROVERS,
    "/filtering/lists/": LIST_EDITORS,
    "/filtering/changes/": CHANGE_READERS,
    "/blocked?url=http://games.example.com/": set(CAST),
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("name", sorted(CAST))
def test_each_role_opens_only_the_filtering_pages_it_may(school, client, page, name) -> None:
    sign_in(client, school[name])
    assert client.get(page).status_code == (200 if name in PAGES[page] else 404)


def test_anyone_signed_out_sees_the_block_page_and_is_sent_to_sign_in_elsewhere(
    school, client
) -> None:
    assert client.get("/blocked?url=http://games.example.com/").status_code == 200
    for page in [p for p in PAGES if not p.startswith("/blocked")]:
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.fixture
def pending(school) -> FilterRequest:
    return FilterRequest.objects.create(
        target="example.org", groups=["pupils-ks2"], reason="lesson", requested_by=school["carol"]
    )


@pytest.mark.parametrize("action", ["decide", "revoke"])
@pytest.mark.parametrize("name", sorted(CAST))
def test_only_approvers_can_decide_or_revoke(school, client, pending, action, name) -> None:
    sign_in(client, school[name])
    response = client.post(
        f"/filtering/requests/{pending.pk}/{action}/", {"decision": "approve", "note": "ok"}
    )
    assert response.status_code == (302 if name in APPROVERS else 404)
    pending.refresh_from_db()
    approved = action == "decide" and name in APPROVERS and name != "carol"
    assert (pending.status == "approved") == approved


@pytest.mark.parametrize("name", sorted(CAST))
def test_only_the_requester_can_withdraw_a_request(school, client, pending, name) -> None:
    sign_in(client, school[name])
    response = client.post(f"/filtering/requests/{pending.pk}/withdraw/")
    expected = 302 if name == "carol" else 404
    assert response.status_code == expected
    pending.refresh_from_db()
    assert (pending.status == "withdrawn") == (name == "carol")


@pytest.mark.parametrize("name", sorted(CAST))
def test_only_list_editors_can_propose_removing_a_list_entry(school, client, name) -> None:
    entry = FilterRequest.objects.create(
        kind="list-add",
        target="example.org",
        list_name="school-allow",
        reason="r",
        status="approved",
        requested_by=school["ivan"],
    )
    sign_in(client, school[name])
    response = client.post(f"/filtering/lists/{entry.pk}/remove/", {"reason": "not needed"})
    assert response.status_code == (302 if name in LIST_EDITORS else 404)
    assert FilterRequest.objects.filter(replaces=entry).exists() == (name in LIST_EDITORS)
