"""New records tell the DSL team by email, without a word of what the record says."""

from __future__ import annotations

import socket

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_emails(school):
    for name in ("alice", "dora", "bob"):
        user = school[name]
        user.email = f"{name}@school.example"
        user.save()


def test_the_dsl_and_deputy_get_a_notice_that_holds_no_content(
    team_emails, report, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        rec = report(what_happened="Mia said her uncle hurts her")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["alice@school.example", "dora@school.example"]
    assert f"/records/{rec.pk}/" in message.body
    for leak in ("Mia", "uncle", "Example", "bullying"):
        assert leak not in message.body and leak not in message.subject


def test_a_mail_server_that_is_down_does_not_lose_the_record(
    team_emails, report, settings, django_capture_on_commit_callbacks
) -> None:
    from harbour.apps.records.models import Record

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        settings.EMAIL_HOST, settings.EMAIL_PORT = probe.getsockname()
    with django_capture_on_commit_callbacks(execute=True):
        rec = report()
    assert Record.objects.filter(pk=rec.pk).exists()


def test_the_notice_goes_through_a_real_smtp_server(
    team_emails, report, settings, django_capture_on_commit_callbacks
) -> None:
    from aiosmtpd.controller import Controller

    received = []

    class Sink:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            received.append((sorted(envelope.rcpt_tos), envelope.content.decode()))
            return "250 OK"

    class OnAnyFreePort(Controller):
        def _trigger_server(self):  # learn the port the OS gave before aiosmtpd checks it
            self.port = self.server.sockets[0].getsockname()[1]
            super()._trigger_server()

    controller = OnAnyFreePort(Sink(), hostname="127.0.0.1", port=0)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        with django_capture_on_commit_callbacks(execute=True):
            report(what_happened="Leo was sent threats online")
    finally:
        controller.stop()
    assert [r for r, _ in received] == [["alice@school.example", "dora@school.example"]]
    assert "threats" not in received[0][1] and "Harbour: new record" in received[0][1]


def test_an_allegation_also_tells_the_headteacher_but_never_the_person_it_is_about(
    team_emails, school, report, django_capture_on_commit_callbacks
) -> None:
    harry = school["harry"]
    harry.email = "harry@school.example"
    harry.save()
    with django_capture_on_commit_callbacks(execute=True):
        report("carol", kind="allegation", parts=(("alice", "instigator"),))
    assert sorted(mail.outbox[0].to) == ["dora@school.example", "harry@school.example"]
