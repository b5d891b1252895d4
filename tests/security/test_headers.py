"""Every response carries the browser-side protections: no framing, no sniffing, a strict
referrer policy, and a Content-Security-Policy that lets no inline script run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.fixtures import sign_in

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "harbour"


@pytest.mark.parametrize("url", ["/login/", "/blocked", "/policy/", "/api/records/"])
def test_responses_carry_the_security_headers(school, url) -> None:
    response = sign_in(Client(), school["bob"]).get(url)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"


def test_signed_in_pages_are_never_cached(school) -> None:
    response = sign_in(Client(), school["bob"]).get("/policy/")
    assert "no-store" in response["Cache-Control"]


def test_no_template_holds_an_inline_script_or_event_handler() -> None:
    found = []
    for page in TEMPLATES.rglob("*.html"):
        text = page.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=", text):
            found.append(str(page.relative_to(TEMPLATES)))
    assert found == []


def test_the_page_scripts_are_served_by_harbour_itself(school) -> None:
    response = Client().get("/assets/people-hints.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"/records/report/people/" in response.content
    assert Client().get("/assets/settings.js").status_code == 404
