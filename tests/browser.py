"""A real Chromium, driven by Playwright, for tests that use the pages as people do."""

from __future__ import annotations

import shutil
import tempfile

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_page():
    """A fresh Chromium page (Debian's /usr/bin/chromium); skips only if it is not installed."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="harbour-chromium-")
    with sync_playwright() as play:
        context = play.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        page = context.new_page()
        page.set_default_timeout(15000)
        try:
            yield page
        finally:
            # Database connections the test opened while Playwright's event loop ran belong
            # to that loop's context, which Django's own teardown never sees: close them here,
            # or PostgreSQL refuses to drop the test database at the end of the run.
            from django.db import connections

            connections.close_all()
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


def log_in(page, base_url: str, username: str, password: str) -> None:
    """Sign in through the login form."""
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
