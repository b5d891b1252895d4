"""Escalating a monitoring alert creates a linked incident through the records service."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_escalating_an_alert_creates_an_incident_linked_to_it(school, people, alert_about) -> None:
    from harbour.apps.alerts import triage
    from harbour.apps.records.models import Record

    alert = alert_about("leo", "self_harm", severity=4)
    escalated = triage.escalate(alert, school["alice"], "Repeated searches for methods")
    rec = Record.objects.get(alert_links__alert_id=str(alert.pk))
    assert escalated.record_ref.endswith(f"/records/{rec.pk}/")
    assert (
        rec.risk_category == "self_harm"
        and rec.involvements.get(part="victim").person == people["leo"]
    )
