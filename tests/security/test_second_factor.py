"""A DSL, deputy or headteacher session without its second factor reads nothing: pages send
it to /2fa/, and the JSON API answers 401 with the reason (a client cannot fill in a form)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.security.test_route_matrix import OPEN, ROUTES, url_for


@pytest.mark.parametrize("who", ["alice", "dora", "harry"])
def test_without_the_second_factor_no_route_shows_anything(estate, who) -> None:
    client = Client()
    client.force_login(estate["users"][who])
    wrong = []
    for route, (kind, _allowed, _status) in ROUTES.items():
        if kind == OPEN and not route.startswith("api/records/"):
            continue
        response = client.get(url_for(route, estate))
        if route.startswith("api/"):
            ok = response.status_code == 401 and "second factor" in response.json()["error"]
        else:
            ok = response.status_code == 302 and response["Location"].startswith("/2fa/?next=")
        if not ok:
            wrong.append(f"{route}: {response.status_code}")
    assert wrong == []


def test_the_api_says_how_to_pass_the_second_factor(estate) -> None:
    client = Client()
    client.force_login(estate["users"]["alice"])
    response = client.get(f"/api/records/{estate['record'].pk}/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "/2fa/" in response.json()["error"]
    assert b"whispered" not in response.content


def test_after_the_second_factor_the_same_session_reads_the_record(estate) -> None:
    from tests.fixtures import sign_in

    client = sign_in(Client(), estate["users"]["alice"])
    assert client.get(f"/api/records/{estate['record'].pk}/").status_code == 200


def test_the_page_returns_to_where_it_was_asked_for_after_the_second_factor(estate) -> None:
    client = Client()
    client.force_login(estate["users"]["dora"])
    response = client.get("/alerts/?show=all&severity=4")
    assert response["Location"] == "/2fa/?next=%2Falerts%2F%3Fshow%3Dall%26severity%3D4"


def test_staff_and_it_are_not_asked_for_a_second_factor_by_the_api(estate) -> None:
    for who in ("bob", "ivan"):
        client = Client()
        client.force_login(estate["users"][who])
        assert client.get("/api/records/").status_code == 200
