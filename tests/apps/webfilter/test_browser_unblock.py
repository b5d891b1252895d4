"""In a real browser: a teacher meets the block page, asks for access for a lesson, IT approves,
and the filtering engine then allows the site for that group and no other."""

from __future__ import annotations

import os

import pytest

from harbour.filtering import FilterEngine
from harbour.paths import data_dir, policy_snapshot_path
from harbour.policy.snapshot import read_snapshot
from tests.browser import log_in
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BLOCKED = "http://blocked.example.org/volcanoes"


def test_a_teacher_requests_an_unblock_it_approves_and_only_that_group_gets_through(
    school, live_server, browser_page
) -> None:
    engine = FilterEngine.open(data_dir())
    assert engine.decide(engine.who_for_group("pupils-ks2"), BLOCKED).action == "block"
    page = browser_page
    log_in(page, live_server.url, "bob", PASSWORD)
    page.goto(f"{live_server.url}/blocked?url={BLOCKED}&rule=activities.school-blocklist:all")
    assert page.locator("#blocked-activity").inner_text() == "Sites the school has chosen to block"
    page.click("input[value='Request access']")
    assert page.input_value("#id_domain") == "blocked.example.org"
    page.check("input[name=groups][value=pupils-ks2]")
    page.check("input[name=period][value=lesson]")
    page.fill("#id_reason", "Year 5 volcano research this lesson")
    page.click("input[type=submit]")
    assert "sent" in page.locator(".messages").inner_text()
    assert "Waiting for a decision" in page.locator("table").inner_text()
    page.click("text=Sign out")

    log_in(page, live_server.url, "ivan", PASSWORD)
    page.click("nav >> text=Unblock queue")
    row = page.locator("tr", has_text="blocked.example.org")
    row.locator("textarea").fill("Fine for this lesson")
    row.locator("button[value=approve]").click()
    assert "approved" in page.locator(".messages").inner_text()

    overrides = read_snapshot(policy_snapshot_path()).overrides
    assert [(o.target, o.groups) for o in overrides] == [
        ("domain:blocked.example.org", ("pupils-ks2",))
    ]
    engine.maybe_reload(force=True)
    assert engine.decide(engine.who_for_group("pupils-ks2"), BLOCKED).action == "allow"
    assert engine.decide(engine.who_for_group("pupils-ks1"), BLOCKED).action == "block"
