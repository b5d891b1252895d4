"""In a real browser: a member of staff signs the new agreement and their filtering changes at once."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from harbour.apps.audit.models import AuditEntry
from harbour.apps.policies.service import write_gateway_snapshot
from harbour.filtering import FilterEngine
from tests.apps.registers.conftest import SOCIAL_SITE, staff_member
from tests.browser import log_in
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_staff_member_signs_the_agreement_and_the_filter_lets_them_through(
    school, data_dir, live_server, browser_page
) -> None:
    staff_member()
    write_gateway_snapshot()
    engine = FilterEngine.open(data_dir)
    url = f"https://{SOCIAL_SITE}/"
    before = engine.decide(engine.who_for_user("bob"), url)
    assert before.blocked and engine.who_for_user("bob").groups == {"visitors"}

    page = browser_page
    log_in(page, live_server.url, "bob", PASSWORD)
    page.click("nav >> text=My agreements")
    card = page.locator("#aup-staff")
    assert "Until you sign, your internet access is limited." in card.inner_text()
    card.locator("input[name=agree]").check()
    card.locator("input[type=submit]").click()
    expect(page.locator("#aup-staff")).to_contain_text("Signed on")  # waits for the new page

    engine.maybe_reload(force=True)
    after = engine.decide(engine.who_for_user("bob"), url)
    assert not after.blocked and engine.who_for_user("bob").groups == {"staff"}
    actions = list(
        AuditEntry.objects.filter(action__in=["aup-restrict", "sign", "aup-lift"]).values_list(
            "action", "actor"
        )
    )
    assert actions == [("aup-restrict", "system"), ("sign", "bob"), ("aup-lift", "system")]
