"""Routing by severity: the DSL team is emailed over real SMTP, contacts and webhooks at 5."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from harbour.apps.alerts.classify import Finding
from harbour.apps.alerts.models import Alert, Notification
from harbour.apps.alerts.raising import Subject, raise_alert
from harbour.apps.alerts.retention import purge_expired
from harbour.apps.alerts.routing import deliver_pending
from harbour.apps.audit.models import AuditEntry
from tests.apps.alerts.conftest import adopt_monitoring, words

NOW = timezone.now()
EVIDENCE = "secret words tonight"
DSL_TEAM = {"dsl@oakbridge.example.sch.uk", "deputy.dsl@oakbridge.example.sch.uk"}


def raise_one(severity: int, category: str = "self_harm", when=NOW) -> Alert:
    return raise_alert(
        Subject("jexample", when=when), Finding(category, severity, "secret", EVIDENCE, "search")
    )


def test_severity_four_emails_the_dsl_team_with_who_and_category_but_not_the_evidence(
    school, pupil, smtp_server
):
    alert = raise_one(4)
    assert deliver_pending() == 2
    assert smtp_server.to() == DSL_TEAM
    for message, body in zip(smtp_server.messages, smtp_server.bodies(), strict=True):
        assert "Jamie Example" in body and "self harm" in body and f"/alerts/{alert.pk}/" in body
        assert "severity 4" in message["Subject"]
        assert not words(EVIDENCE) & words(body + message["Subject"])
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_dsl_logins_with_an_email_are_told_as_well(school, pupil, smtp_server):
    school["alice"].email = "alice@example.org"
    school["alice"].save()
    raise_one(5)
    deliver_pending()
    assert "alice@example.org" in smtp_server.to()


def test_below_the_email_threshold_nobody_is_emailed(school, pupil, smtp_server):
    raise_one(3)
    assert deliver_pending() == 0 and Notification.objects.count() == 0


def test_a_repeat_at_the_same_severity_does_not_email_again_but_a_rise_to_five_calls(school, pupil):
    raise_one(4)
    raise_one(4)
    assert Notification.objects.filter(channel="email").count() == 2
    raise_one(5)
    calls = Notification.objects.filter(channel="phone").order_by("position")
    assert [n.recipient for n in calls] == [
        "Alex Morgan: 01632 960001",
        "Sam Patel: 01632 960002",
        "Jordan Reid: 01632 960003",
    ]
    assert {n.status for n in calls} == {"to-call"}


def test_severity_five_goes_to_contacts_and_the_webhook_without_content(
    school, pupil, smtp_server, webhook_server
):
    adopt_monitoring(f"""
[monitoring]
email_at_severity = 4
contacts_at_severity = 5
contacts = [{{ name = "On Call", email = "oncall@example.org", phone = "01632 960009" }}]
webhook = "{webhook_server.url}"
""")
    alert = raise_one(5)
    assert deliver_pending() == 4  # two DSL team emails, the contact's email, the webhook
    assert "oncall@example.org" in smtp_server.to()
    (payload,) = webhook_server.received
    assert (
        payload["alert"] == alert.pk
        and payload["severity"] == 5
        and payload["category"] == "self_harm"
    )
    assert payload["contacts"] == [{"name": "On Call", "phone": "01632 960009"}]
    assert "Jamie" not in str(payload) and not words(EVIDENCE) & words(str(payload))


def test_a_failed_webhook_is_recorded_and_retried_until_it_works(school, pupil, webhook_server):
    adopt_monitoring(f"""
[monitoring]
email_at_severity = 5
contacts_at_severity = 5
webhook = "{webhook_server.url}"
""")
    webhook_server.status = 503
    raise_one(5)
    deliver_pending()  # the DSL team's emails go; the webhook fails
    note = Notification.objects.get(channel="webhook")
    assert (note.status, note.attempts) == ("failed", 1) and "503" in note.last_error
    assert deliver_pending() == 0  # not due yet: it backs off
    webhook_server.status = 200
    assert deliver_pending(now=timezone.now() + timedelta(minutes=1)) == 1
    note.refresh_from_db()
    assert (note.status, note.attempts, note.last_error) == ("sent", 2, "")


def test_an_unreachable_mail_server_is_a_recorded_failure_not_a_crash(school, pupil, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # discard port: nothing listens
    raise_one(4)
    assert deliver_pending() == 0
    assert set(Notification.objects.values_list("status", flat=True)) == {"failed"}


def test_retention_deletes_only_closed_alerts_past_the_period_and_audits_it(school, pupil):
    old = raise_one(2, when=NOW - timedelta(days=500))
    kept_open = raise_one(2, "drugs", when=NOW - timedelta(days=500))
    recent = raise_one(2, "gambling")
    Alert.objects.filter(pk__in=[old.pk, recent.pk]).update(
        status="closed", closed_at=NOW - timedelta(days=401)
    )
    Alert.objects.filter(pk=recent.pk).update(closed_at=NOW - timedelta(days=399))
    assert purge_expired() == 1
    assert set(Alert.objects.values_list("pk", flat=True)) == {kept_open.pk, recent.pk}
    assert AuditEntry.objects.filter(
        action="delete", object_id=str(old.pk), actor="retention"
    ).exists()


def test_a_webhook_that_is_not_http_is_refused_and_recorded(school, pupil):
    adopt_monitoring("""
[monitoring]
email_at_severity = 5
contacts_at_severity = 5
webhook = "file:///etc/hostname"
""")
    raise_one(5)
    deliver_pending()
    note = Notification.objects.get(channel="webhook")
    assert note.status == "failed" and "http" in note.last_error
