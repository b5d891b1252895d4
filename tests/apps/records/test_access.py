"""Who sees what: every role against every record type and every route, web and API.

Anything a role may not see is a 404 whose body says nothing of the record.
"""

from __future__ import annotations

import pytest

from harbour.apps.audit.models import AuditEntry
from harbour.apps.records import evidence, service
from tests.fixtures import CAST, sign_in

pytestmark = pytest.mark.django_db

ROLES = list(CAST)
# record type -> who may read it, who may work it, who sees the full record (evidence)
RULES = {
    "concern": ({"alice", "dora", "bob"}, {"alice", "dora"}, {"alice", "dora"}),
    "technical": ({"alice", "dora", "bob", "ivan"}, {"alice", "dora"}, {"alice", "dora", "ivan"}),
    "allegation": (
        {"alice", "dora", "harry", "carol"},
        {"alice", "dora", "harry"},
        {"alice", "dora", "harry"},
    ),
    "shared": ({"alice", "dora", "harry", "bob"}, {"alice", "dora"}, {"alice", "dora", "harry"}),
}


@pytest.fixture
def records(school, report):
    """One record of each type, each with a stored file."""
    made = {
        "concern": report("bob"),
        "technical": report(
            "bob", kind="incident", incident_type="downloading", parts=(("leo", "instigator"),)
        ),
        "allegation": report("carol", kind="allegation", parts=(("bob", "instigator"),)),
        "shared": report("bob"),
    }
    service.share_with_head(school["alice"], made["shared"], True)
    assert made["technical"].technical
    items = {
        name: evidence.add_evidence(
            school["alice"], rec, "file", chunks=[b"log " + name.encode()], filename="log.txt"
        )
        for name, rec in made.items()
    }
    return made, items


def _routes(rec, item):
    return {
        "web-read": ("get", f"/records/{rec.pk}/", None),
        "api-read": ("get", f"/api/records/{rec.pk}/", None),
        "web-work": ("post", f"/records/{rec.pk}/do/notes/", {"text": "note"}),
        "api-work": ("post", f"/api/records/{rec.pk}/notes/", {"text": "note"}),
        "web-download": ("get", f"/records/{rec.pk}/evidence/{item.pk}/download/", None),
        "api-download": ("get", f"/api/records/{rec.pk}/evidence/{item.pk}/", None),
    }


@pytest.mark.parametrize("kind", list(RULES))
@pytest.mark.parametrize("name", ROLES)
def test_each_role_reaches_each_record_type_only_on_the_routes_it_may(
    records, school, client, kind, name
) -> None:
    made, items = records
    readers, workers, full = RULES[kind]
    sign_in(client, school[name])
    for route, (method, url, data) in _routes(made[kind], items[kind]).items():
        response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
        allowed = {"read": readers, "work": workers, "download": full}[route.split("-")[1]]
        expected = {"web-work": 302}.get(route, 200) if name in allowed else 404
        assert response.status_code == expected, (route, name, kind)
        if name not in allowed:
            assert b"secret detail" not in response.content and b"log " not in response.content


def test_a_teacher_asking_for_another_teachers_concern_gets_404_and_nothing_leaks(
    records, school, client
) -> None:
    made, _ = records
    sign_in(client, school["carol"])
    page = client.get(f"/records/{made['concern'].pk}/")
    missing = client.get("/records/999999/")
    assert page.status_code == missing.status_code == 404
    url = f"/records/{made['concern'].pk}/".encode()
    assert page.content.replace(url, b"") == missing.content.replace(b"/records/999999/", b"")
    listing = (
        client.get("/records/").content.decode() + client.get("/api/records/").content.decode()
    )
    assert "bob" not in listing and "secret detail" not in listing
    linked = client.post(
        f"/api/records/{made['allegation'].pk}/links/", {"record": made["concern"].pk}
    )
    assert linked.status_code == 404


def test_the_reporter_sees_their_report_but_not_the_dsls_work_on_it(
    records, school, client
) -> None:
    made, _ = records
    service.add_note(school["alice"], made["concern"], "DSL private note")
    sign_in(client, school["bob"])
    page = client.get(f"/records/{made['concern'].pk}/").content.decode()
    assert "secret detail bob-concern" in page and "DSL private note" not in page
    api = client.get(f"/api/records/{made['concern'].pk}/").json()
    assert "notes" not in api and api["what_happened"].startswith("concern reported by bob")


PAGES = {
    "/records/": {"alice", "dora", "harry", "ivan", "bob", "carol"},
    "/records/report/": {"alice", "dora", "harry", "ivan", "bob", "carol"},
    "/records/report/people/?q=mi": {"alice", "dora", "harry", "ivan", "bob", "carol"},
    "/records/figures/": {"alice", "dora", "harry", "gina"},
    "/records/retention/": {"alice", "dora"},
    "/records/people/": {"alice", "dora"},
    "/api/records/": {"alice", "dora", "harry", "ivan", "bob", "carol"},
    "/api/records/figures/": {"alice", "dora", "harry", "gina"},
}


@pytest.mark.parametrize("url", list(PAGES))
@pytest.mark.parametrize("name", ROLES)
def test_each_role_opens_only_the_records_pages_it_may(school, client, url, name) -> None:
    sign_in(client, school[name])
    response = client.get(url)
    if name == "gina" and url == "/records/":
        assert response.status_code == 302 and response["Location"].endswith("/records/figures/")
        return
    assert response.status_code == (200 if name in PAGES[url] else 404)


@pytest.mark.parametrize("name", ROLES)
def test_chronologies_and_transfer_files_are_for_the_dsl_team_only(
    records, people, school, client, name
) -> None:
    sign_in(client, school[name])
    allowed = name in {"alice", "dora"}
    assert client.get(f"/records/people/{people['mia'].pk}/").status_code == (
        200 if allowed else 404
    )
    assert client.post(f"/records/people/{people['mia'].pk}/transfer/", {}).status_code == (
        302 if allowed else 404
    )
    from harbour.apps.records.models import Transfer

    sent = Transfer.objects.create(
        person=people["mia"],
        destination="Example Academy",
        sent_on="2026-11-20",
        sha256="0" * 64,
        sent_by="alice",
    )
    receipt = client.post(f"/records/transfers/{sent.pk}/receipt/", {"confirmed_on": "2026-11-21"})
    assert receipt.status_code == (302 if allowed else 404)
    pdf = client.get(f"/records/people/{people['mia'].pk}/transfer.pdf")
    assert pdf.status_code == (200 if allowed else 404) and (b"Mia" not in pdf.content or allowed)


def test_governors_see_counts_only(records, school, client) -> None:
    sign_in(client, school["gina"])
    figures = client.get("/api/records/figures/").json()
    assert figures["kind"]["Safeguarding concern"] == "fewer than 3"
    page = client.get("/records/figures/").content.decode()
    assert "Conduct" in page and "secret detail" not in page and "Mia" not in page


def test_the_dsl_needs_the_second_factor_for_the_api_too(records, school, client) -> None:
    made, _ = records
    client.force_login(school["alice"])
    response = client.get(f"/api/records/{made['concern'].pk}/")
    assert response.status_code == 401 and "second factor" in response.json()["error"]


def test_anonymous_api_callers_are_told_to_sign_in(records, client) -> None:
    made, _ = records
    assert client.get(f"/api/records/{made['concern'].pk}/").status_code == 401
    assert client.get(f"/records/{made['concern'].pk}/").status_code == 302


def test_every_read_and_download_is_audited(records, school, client) -> None:
    made, items = records
    sign_in(client, school["dora"])
    client.get(f"/records/{made['concern'].pk}/")
    client.get(f"/api/records/{made['concern'].pk}/")
    client.get(f"/api/records/{made['concern'].pk}/evidence/{items['concern'].pk}/")
    entries = AuditEntry.objects.filter(actor="dora")
    assert entries.filter(action="read", object_id=str(made["concern"].pk)).count() == 2
    assert entries.filter(action="downloaded", object_id=str(items["concern"].pk)).count() == 1


def test_only_the_dsl_manages_sharing_with_the_headteacher(records, school, client) -> None:
    made, _ = records
    sign_in(client, school["harry"])
    assert (
        client.post(f"/api/records/{made['allegation'].pk}/share/", {"shared": "on"}).status_code
        == 404
    )


@pytest.mark.parametrize("name", ROLES)
def test_every_record_operation_on_web_and_api_is_refused_to_those_who_may_not_work_it(
    records, school, client, name
) -> None:
    from harbour.apps.records.ops import OPERATIONS

    made, items = records
    sign_in(client, school[name])
    for kind, (_, workers, _) in RULES.items():
        rec = made[kind]
        action = service.add_action(school["alice"], rec, "warning", reason="test target")
        for op, spec in OPERATIONS.items():
            target = {"action": f"{action.pk}/", "evidence": f"{items[kind].pk}/", "": ""}[
                spec.target
            ]
            allowed = workers if op != "share" else {"alice", "dora"}
            for url in (
                f"/records/{rec.pk}/do/{op}/{target}",
                f"/api/records/{rec.pk}/{op}/{target}",
            ):
                status = client.post(url, {}).status_code
                assert (status != 404) == (name in allowed), (op, url, name, kind, status)
        deleted = client.post(f"/records/{rec.pk}/delete/", {"reason": "x"}).status_code
        assert (deleted != 404) == (name == "alice")


@pytest.mark.parametrize("subject", ["harry", "alice"])
def test_an_allegation_is_hidden_from_the_member_of_staff_it_is_about(
    school, report, client, subject
) -> None:
    rec = report("bob", kind="allegation", parts=((subject, "instigator"),))
    sign_in(client, school[subject])
    assert client.get(f"/records/{rec.pk}/").status_code == 404
    assert client.get(f"/api/records/{rec.pk}/").status_code == 404
    assert str(rec.pk) not in [str(r["id"]) for r in client.get("/api/records/").json()["records"]]
    client.logout()
    sign_in(client, school["dora"])
    assert client.get(f"/records/{rec.pk}/").status_code == 200


def test_it_staff_see_a_technical_incidents_actions_and_evidence_but_not_the_dsls_notes(
    records, school, client
) -> None:
    made, _ = records
    rec = made["technical"]
    service.add_note(school["alice"], rec, "Family circumstances discussed")
    sign_in(client, school["ivan"])
    page = client.get(f"/records/{rec.pk}/").content.decode()
    assert "Refer to technical staff" in page and "log.txt" in page
    assert "Family circumstances" not in page
    api = client.get(f"/api/records/{rec.pk}/").json()
    assert "notes" not in api and "reviews" not in api and api["evidence"]
