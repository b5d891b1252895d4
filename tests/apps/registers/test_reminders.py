"""Reminders: who must sign or train, emailed to each person over real SMTP, and the worker jobs."""

from __future__ import annotations

from datetime import date

import pytest

from harbour.apps.audit.models import AuditEntry
from harbour.apps.policies.service import current_policy
from harbour.apps.registers import aup, reminders
from tests.apps.alerts.conftest import smtp_server  # noqa: F401 - a real SMTP server on loopback
from tests.apps.registers.conftest import staff_member

pytestmark = pytest.mark.django_db


def test_each_person_is_emailed_only_their_own_reminders(school, data_dir, smtp_server) -> None:  # noqa: F811
    policy = current_policy()
    bob = staff_member(email="bob@school.example", start_date=date(2020, 9, 1))
    staff_member("carol", "S101", email="carol@school.example", start_date=date(2020, 9, 1))
    staff_member("dan", "S102", start_date=date(2020, 9, 1))  # no email address
    aup.sign(bob, "staff", policy, "test")

    items = reminders.due_reminders(policy, date(2026, 11, 24))
    assert {(i.person.username, i.kind) for i in items} == {
        ("bob", "training"),
        ("carol", "agreement"),
        ("carol", "training"),
        ("dan", "agreement"),
        ("dan", "training"),
    }

    sent, skipped = reminders.send(policy, date(2026, 11, 24), actor="test")
    assert (sent, skipped) == (2, 1)
    bodies = dict(
        zip([m["X-Rcpt"] for m in smtp_server.messages], smtp_server.bodies(), strict=True)
    )
    assert "Staff and volunteer acceptable use agreement" not in bodies["bob@school.example"]
    assert "Staff and volunteer acceptable use agreement: to sign" in bodies["carol@school.example"]
    assert "Carol" not in bodies["bob@school.example"]
    assert AuditEntry.objects.get(action="remind").after == {"sent": 2, "skipped": 1}


def test_the_worker_runs_the_registers_jobs() -> None:
    from harbour.apps.events.worker import periodic_jobs

    names = {name for name, _, _ in periodic_jobs}
    assert {"registers-refresh", "registers-reminders"} <= names
