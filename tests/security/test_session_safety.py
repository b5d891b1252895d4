"""Sessions and sign-in: cookies out of reach of scripts and other sites, a new session key at
sign-in and at the second factor, sign-out by POST only, and a lock after repeated failures."""

from __future__ import annotations

import pyotp
import pytest
from django.test import Client

from harbour.apps.audit.models import AuditEntry
from tests.fixtures import PASSWORD


def _sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def test_session_and_csrf_cookies_are_httponly_and_same_site(school) -> None:
    client = Client()
    client.get("/login/")
    response = _sign_in(client, "bob")
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert client.cookies["csrftoken"]["samesite"] == "Lax"


def test_cookies_are_secure_and_https_enforced_under_tls(monkeypatch) -> None:
    import importlib

    import harbour.web.settings as live

    monkeypatch.setenv("HARBOUR_TLS", "1")
    try:
        tls = importlib.reload(live)
        assert tls.SESSION_COOKIE_SECURE and tls.CSRF_COOKIE_SECURE
        assert tls.SECURE_SSL_REDIRECT and tls.SECURE_HSTS_SECONDS >= 31536000
    finally:
        monkeypatch.delenv("HARBOUR_TLS")
        importlib.reload(live)
    assert not live.SESSION_COOKIE_SECURE


def test_signing_in_gives_a_new_session_key(school) -> None:
    client = Client()
    client.get("/login/")
    client.session.save()
    before = client.session.session_key
    assert _sign_in(client, "bob").status_code == 302
    assert client.session.session_key != before


def test_passing_the_second_factor_gives_a_new_session_key(school) -> None:
    from harbour.apps.accounts import totp

    client = Client()
    assert _sign_in(client, "alice").status_code == 302
    before = client.session.session_key
    code = pyotp.TOTP(totp.ensure_secret(school["alice"].profile)).now()
    assert client.post("/2fa/", {"code": code}).status_code == 302
    assert client.session.session_key != before


def test_sign_out_is_post_only(school) -> None:
    client = Client()
    _sign_in(client, "bob")
    assert client.get("/logout/").status_code == 405
    assert client.get("/").status_code == 200  # still signed in after the GET
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_a_username_is_locked_from_an_address_after_five_failures(school, monkeypatch) -> None:
    monkeypatch.setenv("HARBOUR_LOGIN_ATTEMPTS", "5")
    client = Client()
    for _ in range(4):
        assert _sign_in(client, "carol", "wrong-password").status_code == 200
    locked = _sign_in(client, "carol", "wrong-password")
    assert locked.status_code == 429 and b"Too many failed sign-ins" in locked.content
    # Even the right password is refused while the lock holds, without being checked.
    assert _sign_in(client, "carol").status_code == 429
    assert "_auth_user_id" not in client.session
    assert (
        AuditEntry.objects.filter(action="login-failed", object_id="carol@127.0.0.1").count() == 5
    )
    assert (
        AuditEntry.objects.filter(action="login-locked", object_id="carol@127.0.0.1").count() == 1
    )


def test_a_lock_touches_neither_colleagues_nor_other_addresses(school) -> None:
    client = Client()
    for _ in range(5):
        _sign_in(client, "carol", "wrong-password")
    assert _sign_in(Client(), "bob").status_code == 302
    assert _sign_in(Client(), "carol", REMOTE_ADDR="127.0.0.2").status_code == 302


@pytest.mark.parametrize("minutes_ago", [20])
def test_a_lock_ends_when_the_failures_age_out_of_the_window(school, minutes_ago) -> None:
    from datetime import timedelta

    from django.utils import timezone

    client = Client()
    for _ in range(5):
        _sign_in(client, "carol", "wrong-password")
    assert _sign_in(client, "carol").status_code == 429
    # The audit chain is append-only; the test ages the entries' timestamps through the ORM.
    AuditEntry.objects.filter(action="login-failed").update(
        at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    assert _sign_in(client, "carol").status_code == 302


def test_the_second_factor_locks_after_five_wrong_codes(school) -> None:
    from harbour.apps.accounts import totp

    client = Client()
    _sign_in(client, "harry")
    for _ in range(4):
        assert client.post("/2fa/", {"code": "000000"}).status_code == 200
    assert client.post("/2fa/", {"code": "000000"}).status_code == 429
    code = pyotp.TOTP(totp.ensure_secret(school["harry"].profile)).now()
    refused = client.post("/2fa/", {"code": code})
    assert refused.status_code == 429 and b"Too many" in refused.content
    assert client.get("/reports/weekly/").status_code == 302  # still held at /2fa/
    assert AuditEntry.objects.filter(action="login-locked", actor="system").count() == 1


def test_the_session_api_and_sign_out_refuse_posts_without_the_csrf_token(school) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(school["bob"])
    posted = strict.post("/api/records/", {"what_happened": "x"}, content_type="application/json")
    assert posted.status_code == 403
    assert strict.post("/logout/").status_code == 403
    assert strict.get("/").status_code == 200  # still signed in
