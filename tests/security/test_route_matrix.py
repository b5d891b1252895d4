"""Every GET route, as every role: one table says who is let in, and everyone else learns
nothing (404, never 403). The anonymous are sent to sign in (401 from the JSON API).

The table is written out by hand from the permission gate and the issues' access rules, not
computed from the gate, so a change to the gate that widens access fails here.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from tests.fixtures import CAST, sign_in

EVERYONE = frozenset(CAST)
STAFF = EVERYONE - {"gina"}  # every role that reports concerns and asks for unblocks
DSL_TEAM = frozenset({"alice", "dora"})
LEADERS = DSL_TEAM | {"harry"}
GOVERNANCE = LEADERS | {"gina"}
PEOPLE_ADMIN = LEADERS | {"ivan"}
FILTER_APPROVERS = DSL_TEAM | {"ivan"}
REVIEWERS = PEOPLE_ADMIN | {"gina"}
REPORTER = DSL_TEAM | {"bob"}  # the concern in the estate was reported by bob

PAGE, API, OPEN = "page", "api", "open"

# route pattern -> (kind, who is let in, what they get). POST-only routes answer a GET with 405
# to those let in and 404 to the rest. OPEN routes give everyone, signed in or not, the status.
ROUTES: dict[str, tuple[str, frozenset[str], int]] = {
    "": (PAGE, EVERYONE, 200),
    "policy/": (PAGE, EVERYONE, 200),
    "people/": (PAGE, PEOPLE_ADMIN, 200),
    "audit/": (PAGE, frozenset({"alice", "harry"}), 200),
    "blocked": (OPEN, EVERYONE, 200),
    "filtering/request/": (PAGE, STAFF, 200),
    "filtering/requests/": (PAGE, STAFF, 200),
    "filtering/requests/<int:pk>/withdraw/": (PAGE, STAFF, 405),
    "filtering/queue/": (PAGE, FILTER_APPROVERS, 200),
    "filtering/requests/<int:pk>/decide/": (PAGE, FILTER_APPROVERS, 405),
    "filtering/requests/<int:pk>/revoke/": (PAGE, FILTER_APPROVERS, 405),
    "filtering/lists/": (PAGE, frozenset({"alice", "ivan"}), 200),
    "filtering/lists/<int:pk>/remove/": (PAGE, frozenset({"alice", "ivan"}), 405),
    "filtering/changes/": (PAGE, PEOPLE_ADMIN | {"gina"}, 200),
    "records/": (PAGE, STAFF, 200),  # governors are sent on to the figures (see below)
    "records/report/": (PAGE, STAFF, 200),
    "records/report/people/": (PAGE, STAFF, 200),
    "records/figures/": (PAGE, GOVERNANCE, 200),
    "records/retention/": (PAGE, DSL_TEAM, 200),
    "records/people/": (PAGE, DSL_TEAM, 200),
    "records/people/<int:person_pk>/": (PAGE, DSL_TEAM, 200),
    "records/people/<int:person_pk>/transfer.pdf": (PAGE, DSL_TEAM, 200),
    "records/people/<int:person_pk>/transfer/": (PAGE, DSL_TEAM, 405),
    "records/transfers/<int:transfer_pk>/receipt/": (PAGE, DSL_TEAM, 405),
    "records/<int:pk>/": (PAGE, REPORTER, 200),
    "records/<int:pk>/delete/": (PAGE, frozenset({"alice"}), 405),
    "records/<int:pk>/evidence/<int:item>/download/": (PAGE, DSL_TEAM, 200),
    # Record operations check the method before anything else: a GET learns nothing.
    "records/<int:pk>/do/<slug:op>/": (OPEN, EVERYONE, 405),
    "records/<int:pk>/do/<slug:op>/<int:target>/": (OPEN, EVERYONE, 405),
    "api/records/": (API, STAFF, 200),
    "api/records/openapi.json": (OPEN, EVERYONE, 200),  # the API's description, no data
    "api/records/figures/": (API, GOVERNANCE, 200),
    "api/records/<int:pk>/": (API, REPORTER, 200),
    "api/records/<int:pk>/evidence/<int:item>/": (API, DSL_TEAM, 200),
    "api/records/<int:pk>/<slug:op>/": (API, EVERYONE, 405),
    "api/records/<int:pk>/<slug:op>/<int:target>/": (API, EVERYONE, 405),
    "registers/": (PAGE, REVIEWERS, 200),
    "registers/me/": (PAGE, EVERYONE, 200),
    "registers/me/sign/<slug:key>/": (PAGE, EVERYONE, 405),
    "registers/me/self-audit/": (PAGE, STAFF, 200),  # staff only: a governor has no entry
    "registers/agreements/": (PAGE, PEOPLE_ADMIN, 200),
    "registers/agreements/class/": (PAGE, PEOPLE_ADMIN, 200),
    "registers/training/": (PAGE, LEADERS, 200),
    "registers/training/certificate/<int:pk>/": (PAGE, LEADERS, 200),
    "registers/consent/": (PAGE, LEADERS, 200),
    "registers/consent/pupil/<int:pk>/": (PAGE, LEADERS, 200),
    "registers/publish/": (PAGE, STAFF, 200),
    "registers/devices/": (PAGE, FILTER_APPROVERS, 200),
    "registers/devices/<int:pk>/": (PAGE, FILTER_APPROVERS, 200),
    "registers/reviews/": (PAGE, REVIEWERS, 200),
    "registers/reviews/<int:pk>/": (PAGE, REVIEWERS, 200),
    "registers/risks/new/": (PAGE, REVIEWERS, 200),
    "registers/risks/<int:pk>/": (PAGE, REVIEWERS, 200),
    "api/registers/me/": (API, EVERYONE, 200),
    "api/registers/agreements/": (API, PEOPLE_ADMIN, 200),
    "api/registers/training/": (API, LEADERS, 200),
    "api/registers/publish-check/": (API, STAFF, 200),
    "api/registers/devices/": (API, FILTER_APPROVERS, 200),
    "api/registers/reviews/": (API, REVIEWERS, 200),
    "alerts/": (PAGE, DSL_TEAM, 200),
    "alerts/ignore-rules/": (PAGE, DSL_TEAM, 200),
    "alerts/<int:pk>/": (PAGE, DSL_TEAM, 200),
    "alerts/<int:pk>/<slug:action>/": (PAGE, DSL_TEAM, 405),
    "api/monitoring/events": (OPEN, EVERYONE, 405),  # bearer-token POSTs only
    "reports/weekly/": (PAGE, LEADERS, 200),
    "reports/governors/": (PAGE, GOVERNANCE, 200),
    "assets/<slug:name>.js": (OPEN, EVERYONE, 200),
}
# Routes about signing in, checked on their own in test_session_safety.py.
SIGN_IN_ROUTES = {"login/", "logout/", "2fa/"}
# Query strings some routes need to answer with data rather than a form error.
QUERIES = {
    "records/report/people/": "?q=Ma",
    "api/registers/publish-check/": "?use=website&pupils=P90001",
}
# Which estate object each route's ids name, by the route's first part.
PK_OF = {
    "filtering": "request",
    "records": "record",
    "api": "record",
    "alerts": "alert",
    "registers/training": "completion",
    "registers/consent": "pupil",
    "registers/devices": "device",
    "registers/reviews": "review",
    "registers/risks": "risk",
}


def all_routes() -> list[str]:
    """Every URL pattern Harbour serves, as written in the URL map."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    return list(walk(get_resolver().url_patterns))


def url_for(route: str, estate: dict) -> str:
    """The route with real ids from the estate filled in."""
    owner = next(
        (
            estate[name].pk
            for part, name in sorted(PK_OF.items(), key=lambda kv: -len(kv[0]))
            if route.startswith(part) and name in estate
        ),
        0,
    )
    values = {
        "pk": owner,
        "person_pk": estate["pupil"].pk,
        "item": estate["evidence"].pk,
        "transfer_pk": estate["transfer"].pk,
        "target": estate["record"].pk,
        "op": "notes",
        "action": "acknowledge",
        "key": "staff",
        "name": "print",
    }
    filled = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
    return "/" + filled + QUERIES.get(route, "")


def expected(route: str, who: str) -> tuple[int, str]:
    """(status, where a redirect must lead) for ``who`` (a cast name or "anonymous")."""
    kind, allowed, status = ROUTES[route]
    if kind == OPEN:
        return status, ""
    if who == "anonymous":
        return (401, "") if kind == API else (302, "/login/")
    if route == "records/" and who == "gina":
        return 302, "/records/figures/"
    return (status, "") if who in allowed else (404, "")


def test_the_table_names_every_route_harbour_serves() -> None:
    served = set(all_routes()) - SIGN_IN_ROUTES
    assert served - set(ROUTES) == set(), "add new routes to ROUTES with who may open them"
    assert set(ROUTES) - served == set(), "ROUTES names routes that no longer exist"


@pytest.mark.parametrize("who", ["anonymous", *CAST])
def test_each_role_gets_exactly_the_routes_the_table_gives_it(estate, who) -> None:
    client = Client()
    if who != "anonymous":
        sign_in(client, estate["users"][who])
    wrong = []
    for route in ROUTES:
        status, location = expected(route, who)
        response = client.get(url_for(route, estate))
        got_location = response.get("Location", "")
        if response.status_code != status or not got_location.startswith(location):
            wrong.append(
                f"{url_for(route, estate)}: {response.status_code} {got_location}"
                f" (expected {status} {location})"
            )
        if status == 404 and ROUTES[route][0] == API:
            assert response["Content-Type"].startswith("application/json"), route
    assert wrong == []


def test_a_refusal_never_names_what_was_refused(estate) -> None:
    client = sign_in(Client(), estate["users"]["carol"])
    for route in ("records/<int:pk>/", "api/records/<int:pk>/"):
        body = client.get(url_for(route, estate)).content.decode()
        assert "Quillfeather" not in body and "whispered" not in body
