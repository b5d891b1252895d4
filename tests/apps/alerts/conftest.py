"""Fixtures for the alerts tests: a pupil, a real SMTP server, a real webhook receiver."""

from __future__ import annotations

import json
import re
import threading
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.paths import SAMPLE_POLICY


@pytest.fixture
def pupil(school):
    """Jamie Example, a Year 6 pupil who signs in as ``jexample``."""
    from harbour.apps.people.models import Person

    return Person.objects.create(
        kind="pupil",
        external_id="A123456789012",
        first_name="Jamie",
        last_name="Example",
        year=6,
        class_name="6B",
        username="jexample",
    )


def adopt_monitoring(table: str) -> None:
    """Adopt the sample policy with its ``[monitoring]`` table replaced by ``table``."""
    from harbour.apps.policies.service import adopt_policy

    text = SAMPLE_POLICY.read_text()
    start = text.index("[monitoring]")
    end = text.find("\n[", start + 1)
    text = text[:start] + table.strip() + "\n" + (text[end:] if end >= 0 else "")
    adopt_policy(text, "test policy", "test")


class Inbox:
    """Messages a real SMTP server on 127.0.0.1 received."""

    def __init__(self) -> None:
        self.messages: list = []
        self.event = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = message_from_bytes(envelope.content)
        message["X-Rcpt"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        self.event.set()
        return "250 OK"

    def bodies(self) -> list[str]:
        return [m.get_payload(decode=True).decode() for m in self.messages]

    def to(self) -> set[str]:
        return {m["X-Rcpt"] for m in self.messages}


@pytest.fixture
def smtp_server(settings):
    """A real aiosmtpd server on an ephemeral loopback port; Django mails it."""
    from aiosmtpd.controller import Controller

    class EphemeralController(Controller):
        def _trigger_server(self):
            self.port = self.server.sockets[0].getsockname()[1]  # bound to port 0
            super()._trigger_server()

    inbox = Inbox()
    controller = EphemeralController(inbox, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = controller.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield inbox
    finally:
        controller.stop()


class Hooks:
    """What a real HTTP webhook receiver on 127.0.0.1 was sent."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status = 200
        self.url = ""


@pytest.fixture
def webhook_server():
    """A real HTTP server on an ephemeral loopback port that records JSON posts."""
    hooks = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hooks.received.append(json.loads(body))
            self.send_response(hooks.status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hooks.url = f"http://127.0.0.1:{server.server_address[1]}/page"
    try:
        yield hooks
    finally:
        server.shutdown()
        server.server_close()


def words(text: str) -> set[str]:
    """Lower-case words, for asserting that evidence never appears in a message."""
    return set(re.findall(r"[a-z]+", text.lower()))
