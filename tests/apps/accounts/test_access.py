"""Who may open which page, and the second factor for the safeguarding roles."""

from __future__ import annotations

import pyotp
import pytest

from harbour.apps.accounts.sealing import unseal
from harbour.apps.audit.models import AuditEntry
from tests.fixtures import sign_in

PAGES = {
    "/policy/": {"alice", "dora", "harry", "ivan", "bob", "carol", "gina"},
    "/people/": {"alice", "dora", "harry", "ivan"},
    "/audit/": {"alice", "harry"},
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("name", ["alice", "dora", "harry", "ivan", "bob", "carol", "gina"])
def test_each_role_sees_only_the_pages_it_may(school, client, page, name) -> None:
    sign_in(client, school[name])
    response = client.get(page)
    expected = 200 if name in PAGES[page] else 404
    assert response.status_code == expected


def test_anonymous_visitors_are_sent_to_sign_in(school, client) -> None:
    for page in [*PAGES, "/"]:
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_dsl_is_held_at_the_second_factor_until_a_valid_code(school, client) -> None:
    client.force_login(school["alice"])
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/2fa/")
    enrol = client.get("/2fa/")
    assert b"authenticator app" in enrol.content
    assert client.post("/2fa/", {"code": "000000"}).status_code == 200
    assert client.get("/people/").status_code == 302
    stored = school["alice"].profile.__class__.objects.get(user=school["alice"]).totp_secret
    code = pyotp.TOTP(unseal(stored)).now()
    assert client.post("/2fa/?next=/people/", {"code": code})["Location"] == "/people/"
    assert client.get("/people/").status_code == 200
    assert AuditEntry.objects.filter(actor="alice", action="second-factor-failed").exists()


def test_a_code_cannot_be_used_twice(school, client) -> None:
    client.force_login(school["harry"])
    from harbour.apps.accounts import totp

    secret = totp.ensure_secret(school["harry"].profile)
    code = pyotp.TOTP(secret).now()
    assert client.post("/2fa/", {"code": code}).status_code == 302
    other = client.__class__()
    other.force_login(school["harry"])
    assert other.post("/2fa/", {"code": code}).status_code == 200


def test_teachers_do_not_need_a_second_factor(school, client) -> None:
    client.force_login(school["bob"])
    assert client.get("/policy/").status_code == 200


def test_the_policy_page_shows_the_matrix_and_version(school, client) -> None:
    sign_in(client, school["bob"])
    page = client.get("/policy/").content.decode()
    assert "Online gaming (non-educational)" in page and "Acceptable for nominated users" in page
    assert "Oakbridge Primary School" in page


def test_forms_are_protected_against_cross_site_requests(school) -> None:
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(school["alice"])
    assert strict.post("/2fa/", {"code": "123456"}).status_code == 403
