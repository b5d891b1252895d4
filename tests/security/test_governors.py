"""Governors see anonymised aggregates only: nothing a governor can open names a pupil or
quotes a record, an alert or its evidence."""

from __future__ import annotations

from django.test import Client

from tests.fixtures import sign_in
from tests.security.conftest import EVIDENCE_BYTES, PUPIL_FIRST, PUPIL_LAST, SECRET_TEXT
from tests.security.test_route_matrix import OPEN, ROUTES, url_for


def test_no_page_or_api_a_governor_opens_identifies_a_child(estate) -> None:
    client = sign_in(Client(), estate["users"]["gina"])
    opened, leaks = 0, []
    for route, (kind, allowed, status) in ROUTES.items():
        if kind == OPEN or "gina" not in allowed or status != 200:
            continue
        body = client.get(url_for(route, estate), follow=True).content.decode(errors="replace")
        opened += 1
        for secret in (
            PUPIL_FIRST,
            PUPIL_LAST,
            "P90001",
            "mquill",
            SECRET_TEXT,
            EVIDENCE_BYTES.decode(),
        ):
            if secret in body:
                leaks.append(f"{route}: {secret}")
    assert opened >= 8 and leaks == []


def test_small_numbers_in_the_governors_figures_are_not_given_exactly(estate) -> None:
    client = sign_in(Client(), estate["users"]["gina"])
    figures = client.get("/api/records/figures/").json()
    assert figures["risk"] == {"Bullying": "fewer than 3"}  # one concern: a child is findable
