"""A pupil's chronology in time order, the printable page and the transfer file."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from harbour.apps.audit.models import AuditEntry
from harbour.apps.records import chronology, service
from harbour.apps.records.models import Transfer
from tests.fixtures import sign_in

pytestmark = pytest.mark.django_db


def test_every_record_action_note_and_alert_of_a_pupil_is_in_time_order(
    school, report, people, alert_about
) -> None:
    earlier = report(occurred_at=timezone.now() - timezone.timedelta(days=30))
    later = report(
        kind="incident", incident_type="non-educational-sites", parts=(("mia", "instigator"),)
    )
    service.add_note(school["alice"], earlier, "Spoke with Mia and her mother")
    service.link_alert(
        school["alice"],
        later,
        str(alert_about("leo", "bullying").pk),
        "search terms: bullying",
        timezone.now() - timezone.timedelta(days=1),
    )
    report(parts=(("leo", "victim"),), what_happened="about someone else")
    entries = chronology.entries_for(people["mia"])
    whats = [e.what for e in entries]
    assert whats[0].startswith("Safeguarding concern (victim)")
    assert "Note by alice" in whats and "Monitoring alert" in whats and "Action" in whats
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert not any("someone else" in e.text for e in entries)


def test_the_transfer_file_is_a_pdf_and_its_export_is_audited(
    school, report, people, client
) -> None:
    report()
    sign_in(client, school["alice"])
    response = client.get(f"/records/people/{people['mia'].pk}/transfer.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(
        actor="alice", action="export", object_type="people.person"
    ).exists()


def test_sending_the_file_and_its_receipt_are_recorded(school, report, people, client) -> None:
    report()
    sign_in(client, school["dora"])
    client.post(
        f"/records/people/{people['mia'].pk}/transfer/",
        {"destination": "Example Academy", "sent_on": "2026-11-20"},
    )
    sent = Transfer.objects.get(person=people["mia"])
    assert sent.sent_by == "dora" and len(sent.sha256) == 64 and sent.receipt_confirmed_on is None
    client.post(f"/records/transfers/{sent.pk}/receipt/", {"confirmed_on": "2026-11-23"})
    sent.refresh_from_db()
    assert sent.receipt_confirmed_on == date(2026, 11, 23)
    page = client.get(f"/records/people/{people['mia'].pk}/").content.decode()
    assert "Example Academy" in page and "confirmed 23 Nov 2026" in page.replace("Nov.", "Nov")


def test_alerts_about_the_pupil_appear_once_even_when_linked(
    school, report, people, alert_about
) -> None:
    now = timezone.now()
    unlinked, linked = alert_about("mia", "gambling"), alert_about("mia", "bullying")
    service.link_alert(school["alice"], report(), str(linked.pk), "linked one", now)
    texts = [e.text for e in chronology.entries_for(people["mia"]) if e.what == "Monitoring alert"]
    assert sorted(texts) == sorted(
        [f"alert {unlinked.pk}: gambling, severity 3, new", f"alert {linked.pk}: linked one"]
    )
