"""Approvers hear of a new request, and the requester of the decision, by email from the worker."""

from __future__ import annotations

from harbour.apps.events.worker import periodic_jobs
from harbour.apps.webfilter import service
from harbour.apps.webfilter.models import FilterRequest
from harbour.apps.webfilter.notify import send_notifications
from tests.apps.alerts.conftest import smtp_server  # noqa: F401 - a real SMTP server fixture


def mail(school) -> None:
    for name, user in school.items():
        user.email = f"{name}@school.example"
        user.save()


def test_approvers_are_told_once_and_the_requester_hears_the_decision(school, smtp_server) -> None:  # noqa: F811
    mail(school)
    item = FilterRequest.objects.create(
        target="volcano.example.org",
        groups=["pupils-ks2"],
        reason="Maisie needs it",
        requested_by=school["ivan"],
    )
    assert send_notifications() == 1
    assert send_notifications() == 0
    [message] = smtp_server.messages
    assert set(message["X-Rcpt"].split(",")) == {"alice@school.example", "dora@school.example"}
    assert "volcano.example.org" in smtp_server.bodies()[0]
    assert "Maisie" not in smtp_server.bodies()[0]
    service.decide(item, school["alice"], False, "Use the library site")
    assert send_notifications() == 1
    assert smtp_server.messages[-1]["X-Rcpt"] == "ivan@school.example"
    assert "refused" in smtp_server.messages[-1]["Subject"]
    assert ("filtering-notify", 15.0, send_notifications) in periodic_jobs


def test_a_mail_server_that_is_down_means_a_retry_not_a_loss(school, settings) -> None:
    mail(school)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on discard
    FilterRequest.objects.create(
        target="a.example.org", groups=["staff"], reason="r", requested_by=school["bob"]
    )
    assert send_notifications() == 0
    assert FilterRequest.objects.get().approvers_told_at is None
