"""The demo's mail catcher keeps what a real SMTP client sends it."""

from __future__ import annotations

import asyncio
import smtplib
import threading
from email.message import EmailMessage

from harbour.apps.alerts.mailsink import MailSink


def test_a_message_sent_over_smtp_is_kept_as_an_eml_file(tmp_path, capsys):
    sink = MailSink(tmp_path)
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(asyncio.start_server(sink.session, "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        message = EmailMessage()
        message["From"], message["To"] = "harbour@localhost", "dsl@example.org"
        message["Subject"] = "Harbour alert: severity 5 (critical), suicide"
        message.set_content("Who: Jamie Example\n.leading dot line\n")
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
            client.send_message(message)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        server.close()
        loop.close()
    (kept,) = tmp_path.glob("*.eml")
    text = kept.read_text()
    assert "Who: Jamie Example" in text and "\n.leading dot line" in text
    assert "mail for dsl@example.org: Harbour alert: severity 5" in capsys.readouterr().out
