"""In a real Chromium at phone width: the long menu folds behind one "Menu" button, pages do
not scroll sideways, and a pupil's chronology leads back to each record in it."""

from __future__ import annotations

import os
from datetime import date

import pyotp
import pytest
from django.utils import timezone

from tests.browser import log_in
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE = {"width": 390, "height": 844}


def _sign_in_as_dsl(page, base_url: str) -> None:
    log_in(page, base_url, "alice", PASSWORD)
    page.fill("#id_code", pyotp.TOTP(page.locator("#totp-secret").inner_text()).now())
    page.click("input[type=submit]")


def _page_scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def _a_reported_concern(reporter):
    from harbour.apps.people.models import Person
    from harbour.apps.records import service

    pupil = Person.objects.create(
        kind="pupil",
        external_id="P00001",
        first_name="Mia",
        last_name="Example",
        year=5,
        date_of_birth=date(2016, 3, 4),
    )
    record = service.report(
        reporter,
        service.Report(
            kind="concern",
            people=[(pupil, "victim")],
            what_happened="Upset after a group chat",
            occurred_at=timezone.now() - timezone.timedelta(hours=1),
            risk_category="bullying",
            four_cs=["conduct"],
            severity=3,
        ),
    )
    return pupil, record


def test_the_dsls_long_menu_is_folded_behind_one_button_on_a_phone(
    school, live_server, browser_page
) -> None:
    page = browser_page
    page.set_viewport_size(PHONE)
    _sign_in_as_dsl(page, live_server.url)
    menu = page.locator("details.phone-menu")
    assert not page.locator("details.phone-menu nav >> text=Audit log").is_visible()
    assert not page.locator("nav.wide").is_visible()
    menu.locator("summary").click()
    assert menu.locator(".group-label").all_inner_texts()[:2] == ["SAFEGUARDING", "FILTERING"]
    menu.locator("a", has_text="Weekly report").click()
    assert page.url.endswith("/reports/weekly/")
    assert not _page_scrolls_sideways(page)


def test_a_teachers_short_menu_stays_open_on_a_phone(school, live_server, browser_page) -> None:
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "bob", PASSWORD)
    assert page.locator("details.phone-menu").count() == 0
    page.locator("nav >> text=My agreements").click()
    assert page.url.endswith("/registers/me/")
    assert not _page_scrolls_sideways(page)


def test_a_chronology_entry_opens_its_record_and_the_record_list_fits_a_phone(
    school, live_server, browser_page
) -> None:
    pupil, record = _a_reported_concern(school["bob"])
    page = browser_page
    page.set_viewport_size(PHONE)
    _sign_in_as_dsl(page, live_server.url)
    page.goto(f"{live_server.url}/records/")
    assert not _page_scrolls_sideways(page)
    page.goto(f"{live_server.url}/records/people/{pupil.pk}/")
    page.locator("table.chronology a", has_text=f"#{record.pk}").click()
    assert page.url.endswith(f"/records/{record.pk}/")
    assert "Upset after a group chat" in page.content()


def test_an_approver_reaches_approve_on_a_phone_without_scrolling_sideways(
    school, live_server, browser_page
) -> None:
    from harbour.apps.webfilter.models import FilterRequest

    item = FilterRequest.objects.create(
        target="example.org", groups=["pupils-ks2"], reason="lesson", requested_by=school["carol"]
    )
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "ivan", PASSWORD)
    page.goto(f"{live_server.url}/filtering/queue/")
    approve = page.locator(f"#request-{item.pk} button[value=approve]")
    box = approve.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    approve.click()
    item.refresh_from_db()
    assert item.status == "approved"


def test_a_governors_home_on_a_phone_lists_their_pages_so_it_is_no_dead_end(
    school, live_server, browser_page
) -> None:
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "gina", PASSWORD)
    pages = page.locator("#home-pages")
    assert "People" not in pages.inner_text()
    pages.locator("a", has_text="Governors' report").click()
    assert page.url.endswith("/reports/governors/")
    assert not _page_scrolls_sideways(page)
