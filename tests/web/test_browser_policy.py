"""In a real browser: a teacher signs in and reads the policy; the DSL passes the second factor."""

from __future__ import annotations

import os

import pyotp
import pytest

from tests.browser import log_in
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_a_teacher_signs_in_and_sees_the_policy_page(school, live_server, browser_page) -> None:
    page = browser_page
    log_in(page, live_server.url, "bob", PASSWORD)
    page.click("text=Policy")
    assert page.locator("h1").inner_text() == "Oakbridge Primary School: Online Safety Policy"
    assert page.locator("table").first.locator("th").nth(5).inner_text() == "Unacceptable"
    row = page.locator("tr", has_text="Online gaming (non-educational)")
    assert "Staff: lunch" in row.inner_text()
    assert page.locator("nav >> text=People").count() == 0


def test_the_dsl_enrols_a_second_factor_then_reaches_the_directory(school, live_server, browser_page) -> None:
    page = browser_page
    log_in(page, live_server.url, "alice", PASSWORD)
    assert "/2fa/" in page.url
    secret = page.locator("#totp-secret").inner_text()
    page.fill("#id_code", pyotp.TOTP(secret).now())
    page.click("input[type=submit]")
    page.click("nav >> text=People")
    assert page.locator("h1").inner_text().startswith("People")
