"""In a real browser, under the Content-Security-Policy: the report form's name suggestions
still work (the script comes from /assets/), and no page breaks a rule of the policy."""

from __future__ import annotations

import os

import pytest

from tests.browser import log_in
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_name_suggestions_work_and_nothing_breaks_the_policy(
    school, live_server, browser_page
) -> None:
    from harbour.apps.people.models import Person

    Person.objects.create(
        kind="pupil",
        external_id="P70001",
        first_name="Marnie",
        last_name="Quillfeather",
        year=4,
        class_name="4A",
    )
    page = browser_page
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)
    log_in(page, live_server.url, "bob", PASSWORD)
    for path in ("/", "/policy/", "/registers/me/", "/filtering/request/"):
        page.goto(live_server.url + path)
    page.goto(live_server.url + "/records/report/")
    page.fill("#id_victims", "Mar")
    # A locator wait: wait_for_function polls with eval, which the policy rightly forbids.
    page.locator("#people-hints option").first.wait_for(state="attached", timeout=5000)
    assert page.locator("#people-hints option").first.get_attribute("value") == "P70001"
    assert violations == []
