"""The text-event API: bearer tokens only, clear 400s, alerts raised from posted text."""

from __future__ import annotations

import json

import pytest

from harbour.apps.alerts.models import Alert, IngestToken
from harbour.apps.alerts.tokens import TokenError, create_token, revoke_token
from harbour.apps.audit.models import AuditEntry

URL = "/api/monitoring/events"
EVENT = {
    "device": "CB-07",
    "user": "jexample",
    "application": "Docs",
    "text": "i want to kill myself tonight",
    "time": "2026-11-24T10:15:00+00:00",
}


@pytest.fixture
def token(school):
    return create_token("chromebook-agent", "ivan")


def post(client, body, token=None, **headers):
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, data, content_type="application/json", **headers)


def test_a_posted_text_event_raises_an_alert_about_the_pupil(client, token, pupil):
    response = post(client, EVENT, token)
    assert response.status_code == 202 and response.json() == {"accepted": 1}
    alert = Alert.objects.get()
    assert (alert.person, alert.device, alert.application) == (pupil, "CB-07", "Docs")
    assert (alert.category, alert.severity, alert.source) == ("suicide", 5, "text-event")
    assert alert.first_seen.isoformat() == "2026-11-24T10:15:00+00:00"


def test_a_page_title_is_classified_too(client, token, pupil):
    post(client, {"user": "jexample", "title": "Casino free spins - play now"}, token)
    assert Alert.objects.get().source == "title"


def test_a_batch_of_benign_text_raises_nothing(client, token):
    body = [{"user": "a", "text": "kill a process in linux"}, {"user": "b", "text": "homework"}]
    assert post(client, body, token).json() == {"accepted": 2}
    assert Alert.objects.count() == 0


@pytest.mark.parametrize("header", [None, "Bearer hbt_not-a-token", "Basic abc", "Bearer "])
def test_without_a_valid_token_the_answer_is_401(client, school, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = post(client, EVENT, **extra)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert Alert.objects.count() == 0


def test_a_revoked_token_stops_working(client, token):
    revoke_token("chromebook-agent", "ivan")
    assert post(client, EVENT, token).status_code == 401


def test_a_signed_in_dsl_session_is_not_enough(client, school):
    from tests.fixtures import sign_in

    sign_in(client, school["alice"])
    assert post(client, EVENT).status_code == 401


def test_token_auth_needs_no_csrf_token(school, token):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert post(strict, EVENT, token).status_code == 202


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("{not json", "body"),
        ([1], "[0]"),
        ({**EVENT, "text": ""}, "text"),
        ({**EVENT, "text": 5}, "text"),
        ({**EVENT, "user": "", "device": ""}, "user"),
        ({**EVENT, "time": "yesterday"}, "time"),
        ([EVENT, {**EVENT, "application": ["x"]}], "[1].application"),
    ],
)
def test_a_bad_event_is_a_400_naming_the_field_and_nothing_is_stored(client, token, body, field):
    response = post(client, body, token)
    assert response.status_code == 400
    assert response.json()["error"].startswith(field)
    assert Alert.objects.count() == 0


def test_only_get_is_refused(client, token):
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 405


def test_tokens_are_stored_hashed_unique_and_audited(school, token):
    row = IngestToken.objects.get()
    assert token not in (row.token_hash, row.prefix) and token.startswith(row.prefix)
    assert AuditEntry.objects.filter(action="create", object_type="alerts.ingesttoken").exists()
    with pytest.raises(TokenError, match="already exists"):
        create_token("chromebook-agent", "ivan")
    with pytest.raises(TokenError, match="needs a name"):
        create_token("  ", "ivan")
