"""``harbour alerts``: tokens made at the command line, and the demo's alerts."""

from __future__ import annotations

import os

from harbour.apps.alerts.demo import DEMO, seed
from harbour.apps.alerts.models import Alert, Notification
from harbour.cli import main


def harbour(capsys, *args: str) -> tuple[int, str, str]:
    """Run ``harbour alerts ...`` in this process, on the test database."""
    code = main(["alerts", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_it_makes_a_token_once_refuses_a_duplicate_name_and_revokes_it(db, capsys):
    code, token, err = harbour(capsys, "token", "create", "chromebook-agent")
    assert code == 0 and token.startswith("hbt_") and "shown only now" in err
    code, _, err = harbour(capsys, "token", "create", "chromebook-agent")
    assert code == 2 and "already exists" in err
    assert harbour(capsys, "token", "revoke", "chromebook-agent")[0] == 0
    code, listed, _ = harbour(capsys, "token", "list")
    assert "chromebook-agent" in listed and "revoked" in listed and token.strip() not in listed
    code, _, err = harbour(capsys, "token", "revoke", "chromebook-agent")
    assert code == 2 and "no working token" in err


def test_the_demo_seeds_a_few_alerts_once_without_emailing_anyone(school):
    from harbour.apps.people.models import Person

    for n in range(5):
        Person.objects.create(
            kind="pupil",
            external_id=f"D{n}",
            first_name="P",
            last_name=f"{n}",
            year=5,
            username=f"demo{n}",
        )
    seed("demo")
    seed("demo")
    assert Alert.objects.count() == len(DEMO)
    assert not Notification.objects.exists()
    assert Alert.objects.filter(severity=4, category="self_harm").exists()


def test_the_demo_mails_a_local_catcher_on_a_free_port_unless_smtp_is_set(tmp_path, monkeypatch):
    import argparse
    import socket

    from harbour.cli.alerts_cmd import DEMO_MAIL_PORT, demo_mail

    for name in ("HARBOUR_SMTP_HOST", "HARBOUR_SMTP_PORT", "HARBOUR_BASE_URL"):
        monkeypatch.setenv(name, "")  # recorded, so the test's own settings are undone after
        monkeypatch.delenv(name)
    args = argparse.Namespace(listen=("127.0.0.1", 8000))
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            busy.bind(("127.0.0.1", DEMO_MAIL_PORT))
            busy.listen()
        except OSError:
            pass  # something else already holds it: just as good for this test
        ((label, argv, _),) = demo_mail(args, tmp_path)
    port = os.environ["HARBOUR_SMTP_PORT"]
    assert label == "mail" and port != str(DEMO_MAIL_PORT) and argv[-3] == f"127.0.0.1:{port}"
    assert os.environ["HARBOUR_BASE_URL"] == "http://127.0.0.1:8000"
    assert demo_mail(args, tmp_path) == []  # SMTP is now configured: no catcher
