"""A small school estate with one of every object a route can name, for the security tests."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone

PUPIL_FIRST, PUPIL_LAST = "Marnie", "Quillfeather"
SECRET_TEXT = "whispered-secret-about-the-bus-stop"
EVIDENCE_BYTES = b"evidence-bytes-screenshot-of-a-chat"


@pytest.fixture
def estate(school, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Real objects for every ``<int:...>`` in the URL map, made through the services.

    A concern reported by bob about a pupil (with an evidence file), a transfer of her file,
    an alert about her, a training certificate, a device, a review and a risk assessment.
    """
    monkeypatch.setenv("HARBOUR_DATA_DIR", str(tmp_path))
    from harbour.apps.alerts.models import Alert
    from harbour.apps.people.models import Person
    from harbour.apps.records import evidence, service
    from harbour.apps.records.models import Transfer
    from harbour.apps.registers import training
    from harbour.apps.registers.models import Course, Device, Review, RiskAssessment
    from harbour.apps.webfilter.models import FilterRequest

    pupil = Person.objects.create(
        kind="pupil",
        external_id="P90001",
        first_name=PUPIL_FIRST,
        last_name=PUPIL_LAST,
        year=5,
        date_of_birth=date(2016, 3, 4),
        username="mquill",
    )
    # Everyone in the cast has a directory entry, so pages answer by permission alone.
    staff = {
        name: Person.objects.create(
            kind="governor" if name == "gina" else "staff",
            external_id=f"S-{name}",
            first_name=name.title(),
            last_name="Example",
            username=name,
        )
        for name in school
    }
    concern = service.report(
        school["bob"],
        service.Report(
            kind="concern",
            people=[(pupil, "victim")],
            what_happened=f"{SECRET_TEXT} said in the playground",
            occurred_at=timezone.now() - timezone.timedelta(hours=1),
            risk_category="bullying",
            four_cs=["conduct"],
            severity=3,
        ),
    )
    item = evidence.add_evidence(
        school["alice"], concern, "file", chunks=[EVIDENCE_BYTES], filename="chat.txt"
    )
    transfer = Transfer.objects.create(
        person=pupil,
        destination="Receiving School",
        sent_on=date.today(),
        sha256="0" * 64,
        sent_by="alice",
    )
    now = timezone.now()
    alert = Alert.objects.create(
        person=pupil,
        username=pupil.username,
        first_seen=now,
        last_seen=now,
        category="bullying",
        severity=4,
        source="search",
        group_key="mquill|bullying",
    )
    course = Course.objects.create(title="Safeguarding induction", satisfies=[])
    done = training.record_completion(
        staff["bob"],
        course,
        date.today(),
        school["alice"],
        certificate=io.BytesIO(b"%PDF-1.4 certificate"),
        certificate_name="cert.pdf",
    )
    device = Device.objects.create(name="lab-01", device_type="school-multi-user", added_by="test")
    review = Review.objects.create(title="Annual review", held_on=date.today(), created_by="test")
    risk = RiskAssessment.objects.create(title="Chatbot", technology="AI", created_by="test")
    unblock = FilterRequest.objects.create(
        target="maths-games.example", reason="fractions lesson", requested_by=school["bob"]
    )
    return {
        "request": unblock,
        "pupil": pupil,
        "record": concern,
        "evidence": item,
        "transfer": transfer,
        "alert": alert,
        "completion": done,
        "device": device,
        "review": review,
        "risk": risk,
        "users": school,
    }
