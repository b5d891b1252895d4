"""In a real Chromium: a teacher reports a concern; the DSL, past the second factor, opens it,
adds and completes an action, links a monitoring alert and closes it."""

from __future__ import annotations

import os

import pyotp
import pytest

from tests.browser import log_in
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_a_concern_goes_from_a_teachers_phone_to_closed_by_the_dsl(
    school, people, alert_about, live_server, browser_page
) -> None:
    from harbour.apps.audit.models import AuditEntry
    from harbour.apps.records.models import Record

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    log_in(page, live_server.url, "bob", PASSWORD)
    page.click("text=Report a concern")
    # The hints script listens for typing only once it has run: typing before the page has
    # loaded would fetch nothing.
    page.wait_for_load_state("load")
    page.fill(
        "#id_what_happened", "Mia showed me messages calling her names in the class group chat."
    )
    page.locator("#id_victims").press_sequentially("Mi")
    # A locator wait, not wait_for_function: the page's CSP forbids the eval that polling uses.
    page.locator("#people-hints option").first.wait_for(state="attached")
    assert page.locator("#people-hints option").first.get_attribute("value") == "P00001"
    page.fill("#id_victims", "P00001")
    page.check("input[name=four_cs][value=conduct]")
    page.select_option("#id_risk_category", "bullying")
    page.click("input[type=submit][value='Send to the safeguarding team']")
    assert "the safeguarding team has been told" in page.content()
    rec = Record.objects.get()
    assert rec.reporter_name == "bob" and rec.status == "new"
    page.click("header button:text('Sign out')")

    alert = alert_about("mia", "bullying", source="text-event")
    log_in(page, live_server.url, "alice", PASSWORD)
    page.fill("#id_code", pyotp.TOTP(page.locator("#totp-secret").inner_text()).now())
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/records/")
    page.click(f"#records a:text('{rec.pk}')")
    assert "calling her names" in page.locator("#what-happened").inner_text()
    page.click("input[value='Open this record']")
    page.click("summary:text('Add an action the policy did not recommend')")
    page.select_option("#actions_code", "inform-parents")
    page.fill("#actions_reason", "Mia asked for her mother to be told")
    page.click("input[value='Add action']")
    row = page.locator("#actions tr", has_text="Inform parents")
    row.locator("form.finish input[type=submit]").click()
    assert "Done" in page.locator("#actions tr", has_text="Inform parents").inner_text()
    page.click("summary:text('Link a record or an alert')")
    page.fill("#links_alert_id", str(alert.pk))
    page.fill("#links_summary", "class chat flagged by monitoring")
    page.click("#link-form input[type=submit]")
    assert f"Monitoring alert {alert.pk}" in page.locator("#links").inner_text()
    page.fill("#status_outcome", "Spoke to the group; parents informed")
    page.fill("#status_reason", "Messages stopped; Mia feels safe")
    page.click("input[value='Close this record']")
    assert "A closed record is final" in page.content()

    rec.refresh_from_db()
    assert rec.status == "closed" and rec.closed_by == "alice"
    log = AuditEntry.objects.filter(object_type__startswith="records.")
    assert log.filter(actor="alice", action="read", object_id=str(rec.pk)).exists()
    assert log.filter(actor="bob", action="create", object_id=str(rec.pk)).exists()
    assert log.filter(actor="alice", summary__contains=f"alert {alert.pk} linked").exists()
