"""In a real browser: the DSL signs in with the second factor and triages an alert."""

from __future__ import annotations

import os

import pyotp
import pytest
from django.utils import timezone

from harbour.apps.alerts.classify import Finding
from harbour.apps.alerts.models import Alert
from harbour.apps.alerts.raising import Subject, raise_alert
from tests.browser import log_in
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_the_dsl_acknowledges_an_alert_and_closes_it_with_an_outcome(
    school, pupil, live_server, browser_page
):
    alert = raise_alert(
        Subject("jexample", "CB-07", when=timezone.now()),
        Finding("self_harm", 4, "hide cuts", "how to hide cuts from my mum", "search"),
    )
    page = browser_page
    log_in(page, live_server.url, "alice", PASSWORD)
    secret = page.locator("#totp-secret").inner_text()
    page.fill("#id_code", pyotp.TOTP(secret).now())
    page.click("input[type=submit]")
    assert "Open alerts" in page.locator("main").inner_text()

    page.click("nav >> text=Alerts")
    row = page.locator("#alert-queue tr", has_text="Jamie Example")
    assert "self harm" in row.inner_text() and "hide cuts" not in page.content()
    row.locator("a").first.click()
    assert "how to hide cuts from my mum" in page.locator("#evidence").inner_text()

    page.click("input[value=Acknowledge]")
    assert page.locator("#alert-status").inner_text() == "Acknowledged"
    page.select_option("#outcome", "spoke-to-pupil")
    page.fill("#close-note", "Talked with Jamie and parents; school nurse follow-up booked.")
    page.click("input[value='Close with this outcome']")
    assert page.locator("#alert-status").inner_text() == "Closed: Spoke to the pupil"

    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.closed_by) == (
        "closed",
        "spoke-to-pupil",
        school["alice"],
    )
    page.click("nav >> text=Alerts")
    assert "No alerts here." in page.locator("#alert-queue").inner_text()
    assert Alert.objects.filter(status="closed").count() == 1
