"""Triage by the DSL and deputies: who may reach each page, and every action audited."""

from __future__ import annotations

import pytest
from django.utils import timezone

from harbour.apps.alerts.classify import Finding
from harbour.apps.alerts.models import IgnoreRule
from harbour.apps.alerts.raising import Subject, raise_alert, raise_alerts_for_text
from harbour.apps.audit.models import AuditEntry
from tests.apps.alerts.conftest import adopt_monitoring
from tests.fixtures import sign_in

EVERYONE = ["alice", "dora", "harry", "ivan", "bob", "carol", "gina"]
TRIAGERS = {"alice", "dora"}


@pytest.fixture
def alert(school, pupil):
    return raise_alert(
        Subject("jexample", when=timezone.now()),
        Finding("self_harm", 4, "hide cuts", "how to hide cuts from my mum", "search"),
    )


def routes(alert_pk: int) -> list[tuple[str, str, dict]]:
    rule = IgnoreRule.objects.create(term="example term")
    return [
        ("get", "/alerts/", {}),
        ("get", "/alerts/?show=closed", {}),
        ("get", "/alerts/ignore-rules/", {}),
        ("get", f"/alerts/{alert_pk}/", {}),
        ("post", f"/alerts/{alert_pk}/acknowledge/", {}),
        ("post", f"/alerts/{alert_pk}/escalate/", {"note": "n"}),
        ("post", f"/alerts/{alert_pk}/false-positive/", {"note": "n"}),
        ("post", f"/alerts/{alert_pk}/call/", {"call": "1", "result": "answered"}),
        ("post", f"/alerts/{alert_pk}/close/", {"outcome": "no-further-action"}),
        ("post", "/alerts/ignore-rules/", {"rule": rule.pk}),
    ]


@pytest.mark.parametrize("name", [n for n in EVERYONE if n not in TRIAGERS])
def test_no_other_role_can_reach_any_alert_page(school, client, alert, name):
    sign_in(client, school[name])
    for method, url, data in routes(alert.pk):
        assert getattr(client, method)(url, data).status_code == 404, url
    alert.refresh_from_db()
    assert alert.status == "new" and IgnoreRule.objects.get().active
    assert not AuditEntry.objects.filter(object_type="alerts.alert", action="read").exists()


@pytest.mark.parametrize("name", sorted(TRIAGERS))
def test_the_dsl_and_deputy_can_reach_every_alert_page(school, client, alert, name):
    sign_in(client, school[name])
    for method, url, data in routes(alert.pk):
        expected = 200 if method == "get" else 302
        assert getattr(client, method)(url, data).status_code == expected, url


def test_anonymous_visitors_are_sent_to_sign_in(school, client, alert):
    for method, url, data in routes(alert.pk):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_dsl_without_the_second_factor_is_held_at_it(school, client, alert):
    sign_in(client, school["alice"], second_factor=False)
    assert client.get(f"/alerts/{alert.pk}/")["Location"].startswith("/2fa/")


def test_actions_are_post_only(school, client, alert):
    sign_in(client, school["alice"])
    assert client.get(f"/alerts/{alert.pk}/acknowledge/").status_code == 405


def test_the_queue_is_ordered_by_severity_then_age_and_hides_the_evidence(school, client, pupil):
    now = timezone.now()
    for minutes, category, severity in [(30, "drugs", 3), (20, "suicide", 5), (10, "bullying", 5)]:
        raise_alert(
            Subject(f"user{minutes}", when=now - timezone.timedelta(minutes=minutes)),
            Finding(category, severity, "w", "private words", "search"),
        )
    sign_in(client, school["alice"])
    page = client.get("/alerts/").content.decode()
    order = [page.index(c) for c in ("suicide", "bullying", "drugs")]
    assert order == sorted(order) and "private words" not in page
    assert AuditEntry.objects.filter(
        actor="alice", action="list", object_type="alerts.alert"
    ).exists()
    assert "user30" not in client.get("/alerts/?severity=4").content.decode()
    only = client.get("/alerts/?category=drugs").content.decode()
    assert "user30" in only and "user20" not in only


def test_every_read_of_an_alert_is_audited(school, client, alert):
    sign_in(client, school["dora"])
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    client.get(f"/alerts/{alert.pk}/")
    assert "how to hide cuts from my mum" in page and "Jamie Example" in page
    assert f"/records/people/{alert.person_id}/" in page  # the pupil's chronology
    reads = AuditEntry.objects.filter(action="read", object_id=str(alert.pk), actor="dora")
    assert reads.count() == 2


def test_acknowledge_then_close_with_an_outcome_records_who_and_when(school, client, alert):
    sign_in(client, school["alice"])
    client.post(f"/alerts/{alert.pk}/acknowledge/")
    response = client.post(
        f"/alerts/{alert.pk}/close/", {"outcome": "spoke-to-pupil", "note": "ok"}
    )
    assert response["Location"] == f"/alerts/{alert.pk}/"
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.outcome_note) == ("closed", "spoke-to-pupil", "ok")
    assert alert.acknowledged_by == school["alice"] and alert.closed_by == school["alice"]
    actions = AuditEntry.objects.filter(object_id=str(alert.pk), actor="alice")
    assert {"acknowledge", "close"} <= set(actions.values_list("action", flat=True))


def test_an_alert_cannot_be_closed_without_an_outcome(school, client, alert):
    sign_in(client, school["alice"])
    response = client.post(f"/alerts/{alert.pk}/close/", {"outcome": ""}, follow=True)
    assert b"choose an outcome" in response.content
    alert.refresh_from_db()
    assert alert.status == "new"


def test_escalating_needs_a_reason_and_is_audited(school, client, alert):
    sign_in(client, school["alice"])
    client.post(f"/alerts/{alert.pk}/escalate/", {"note": ""})
    alert.refresh_from_db()
    assert alert.status == "new"
    client.post(f"/alerts/{alert.pk}/escalate/", {"note": "disclosure to teacher as well"})
    alert.refresh_from_db()
    assert alert.status == "escalated" and alert.escalation_note == "disclosure to teacher as well"
    assert alert.record_ref.startswith("/records/")  # an incident record, linked back
    assert client.get(alert.record_ref).status_code == 200
    assert AuditEntry.objects.filter(action="escalate", object_id=str(alert.pk)).exists()


def test_a_false_positive_with_an_ignore_rule_stops_that_word_alerting(school, client, pupil):
    text = "bet365 login"
    first = raise_alerts_for_text(text, Subject("jexample"))
    assert first, "the classifier should flag this text"
    sign_in(client, school["alice"])
    client.post(
        f"/alerts/{first[0].pk}/false-positive/",
        {
            "note": "a supplier's name at this school",
            "ignore_term": first[0].evidence[0]["matched"],
        },
    )
    first[0].refresh_from_db()
    assert (first[0].status, first[0].outcome) == ("false-positive", "false-positive")
    assert IgnoreRule.objects.filter(term="bet365", active=True).exists()
    assert raise_alerts_for_text(text, Subject("jexample")) == []
    rule = IgnoreRule.objects.get(term="bet365")
    client.post("/alerts/ignore-rules/", {"rule": rule.pk})
    assert raise_alerts_for_text(text, Subject("jexample")) != []
    assert AuditEntry.objects.filter(action="deactivate", object_type="alerts.ignorerule").exists()


def test_the_policy_ignore_and_extra_terms_are_honoured(school, pupil):
    from harbour.apps.alerts.classify import school_classifier

    assert raise_alerts_for_text("bet365 login", Subject("jexample"))
    adopt_monitoring("""
[monitoring]
ignore_terms = ["bet365"]
extra_terms = { self_harm = ["blackout game"] }
""")
    assert school_classifier() is school_classifier()  # built once per policy, then shared
    assert raise_alerts_for_text("bet365 login", Subject("other")) == []
    (found,) = raise_alerts_for_text("trying the blackout game tonight", Subject("jexample"))
    assert found.category == "self_harm" and found.policy_version


def test_the_home_page_shows_the_dsl_open_alerts_by_severity(school, client, alert):
    sign_in(client, school["alice"])
    page = client.get("/").content.decode()
    assert "Open alerts" in page and "severity 4: 1" in page
    sign_in(client, school["bob"])
    assert "Open alerts" not in client.get("/").content.decode()


def test_calls_to_the_contact_list_are_recorded_in_order_and_audited(school, client, pupil):
    critical = raise_alert(
        Subject("jexample", when=timezone.now()),
        Finding("suicide", 5, "kill myself", "i want to kill myself tonight", "search"),
    )
    first, second = critical.notifications.filter(channel="phone").order_by("position")[:2]
    sign_in(client, school["dora"])
    page = client.get(f"/alerts/{critical.pk}/").content.decode()
    assert page.index("Alex Morgan") < page.index("Sam Patel")
    client.post(f"/alerts/{critical.pk}/call/", {"call": first.pk, "result": "no-answer"})
    client.post(f"/alerts/{critical.pk}/call/", {"call": second.pk, "result": "answered"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("no-answer", "answered")
    assert AuditEntry.objects.filter(action="call", actor="dora").count() == 2
    other = raise_alert(
        Subject("someone", when=timezone.now()), Finding("drugs", 2, "x", "x", "url")
    )
    client.post(f"/alerts/{other.pk}/call/", {"call": first.pk, "result": "answered"})
    first.refresh_from_db()
    assert first.status == "no-answer"  # a call is recorded only on its own alert


def test_the_dsl_is_warned_loudly_when_alert_emails_are_stuck(school, client, alert):
    from harbour.apps.alerts.models import Notification

    sign_in(client, school["alice"])
    assert "Alert messages not sent" not in client.get("/").content.decode()
    Notification.objects.update(created_at=timezone.now() - timezone.timedelta(minutes=5))
    assert "Alert messages not sent" in client.get("/").content.decode()
