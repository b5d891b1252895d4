"""The response flowcharts hold on every path: the service, the web pages and the API."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from harbour.apps.records import evidence, flowchart, service
from harbour.apps.records.models import Evidence
from harbour.apps.records.rules import RuleError
from tests.fixtures import sign_in

pytestmark = pytest.mark.django_db


def _api(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_illegal_content_cannot_move_on_until_its_four_steps_are_recorded(school, report) -> None:
    rec = report(
        kind="incident",
        risk_category="illegal",
        four_cs=["content"],
        parts=(("leo", "instigator"),),
    )
    alice = school["alice"]
    with pytest.raises(RuleError, match="isolated.*viewed.*police.*preserved"):
        service.transition(alice, rec, "open")
    service.record_step(alice, rec, "isolate-device", "done")
    service.record_step(alice, rec, "not-viewed", "done")
    with pytest.raises(RuleError, match="reference"):
        service.record_step(alice, rec, "police-referral", "done", date.today(), "")
    service.record_step(alice, rec, "police-referral", "done", date.today(), "CAD-1234")
    with pytest.raises(RuleError, match="Evidence preserved"):
        service.transition(alice, rec, "open")
    service.record_step(alice, rec, "evidence-preserved", "done")
    assert service.transition(alice, rec, "open").status == "open"


def test_an_illegal_row_of_the_sanctions_matrix_brings_the_illegal_flowchart(
    school, report
) -> None:
    rec = report(kind="incident", incident_type="illegal-material", parts=(("leo", "instigator"),))
    assert [f.key for f in flowchart.flows_for(rec, service.policy_or_none())] == ["illegal"]


def test_the_police_referral_step_completes_the_recommended_police_action(school, report) -> None:
    rec = report(kind="incident", incident_type="illegal-material", parts=(("leo", "instigator"),))
    service.record_step(school["alice"], rec, "police-referral", "done", date.today(), "CAD-99")
    police = rec.actions.get(code="refer-police")
    assert police.status == "done" and police.reference == "CAD-99"


def test_the_api_cannot_skip_the_illegal_flowchart(school, report, client) -> None:
    rec = report(kind="incident", risk_category="illegal", parts=(("leo", "instigator"),))
    sign_in(client, school["alice"])
    refused = _api(client, f"/api/records/{rec.pk}/status/", {"status": "open"})
    assert refused.status_code == 409 and "police" in refused.json()["errors"]["__all__"][0]
    rec.refresh_from_db()
    assert rec.status == "new"


def test_the_web_page_cannot_skip_the_illegal_flowchart(school, report, client) -> None:
    rec = report(kind="incident", risk_category="illegal", parts=(("leo", "instigator"),))
    sign_in(client, school["alice"])
    page = client.post(
        f"/records/{rec.pk}/do/status/", {"status": "open"}, follow=True
    ).content.decode()
    assert "record the flowchart steps first" in page
    rec.refresh_from_db()
    assert rec.status == "new"


def test_no_file_of_any_kind_is_stored_on_a_suspected_nude_image_record(
    school, report, client
) -> None:
    rec = report(nude_image_suspected=True, risk_category="grooming", four_cs=["contact"])
    with pytest.raises(RuleError, match="stores no files"):
        evidence.add_evidence(
            school["alice"], rec, "screenshot", chunks=[b"\x89PNG..."], filename="a.png"
        )
    sign_in(client, school["alice"])
    upload = SimpleUploadedFile("notes.txt", b"plain text", content_type="text/plain")
    web = client.post(
        f"/records/{rec.pk}/do/evidence/", {"kind": "file", "file": upload}, follow=True
    )
    assert "stores no files" in web.content.decode()
    upload = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0", content_type="image/jpeg")
    api = client.post(f"/api/records/{rec.pk}/evidence/", {"kind": "screenshot", "file": upload})
    assert api.status_code == 409
    assert not Evidence.objects.filter(record=rec).exists()
    assert (
        _api(
            client,
            f"/api/records/{rec.pk}/evidence/",
            {"kind": "url", "url": "https://example.org/x"},
        ).status_code
        == 200
    )


def test_reporting_a_nude_image_records_not_viewed_and_device_secured(
    school, people, client
) -> None:
    sign_in(client, school["bob"])
    response = _api(
        client,
        "/api/records/",
        {
            "kind": "concern",
            "what_happened": "Pupil says an image is being shared",
            "occurred_at": "2026-11-20T10:00",
            "four_cs": ["contact"],
            "risk_category": "grooming",
            "severity": 4,
            "nude_image_suspected": True,
            "confirm_not_viewed": True,
            "confirm_device_secured": True,
            "victims": ["P00002"],
        },
    )
    assert response.status_code == 201, response.content
    from harbour.apps.records.models import Record

    rec = Record.objects.get(pk=response.json()["id"])
    assert set(rec.steps.values_list("step", "answer")) == {
        ("imagery-not-viewed", "done"),
        ("device-secured", "done"),
    }


def test_any_immediate_referral_condition_requires_the_referral_before_moving_on(
    school, report
) -> None:
    rec = report(nude_image_suspected=True, parts=(("zoe", "victim"),))
    alice = school["alice"]
    for key in ("imagery-not-viewed", "device-secured"):
        service.record_step(alice, rec, key, "done")
    for key in ("adult-involved", "coercion", "unusual-or-violent", "under-13", "immediate-risk"):
        service.record_step(alice, rec, key, "yes" if key == "coercion" else "no")
    assert flowchart.referral_required(rec) == ["coercion"]
    with pytest.raises(RuleError, match="children's social care"):
        service.transition(alice, rec, "open")
    service.record_step(alice, rec, "nude-referral", "done", date.today(), "MASH-77")
    assert service.transition(alice, rec, "open").status == "open"


def test_when_no_condition_holds_no_referral_is_demanded(school, report) -> None:
    rec = report(nude_image_suspected=True, parts=(("zoe", "victim"),))
    for key in ("imagery-not-viewed", "device-secured"):
        service.record_step(school["alice"], rec, key, "done")
    for key in ("adult-involved", "coercion", "unusual-or-violent", "under-13", "immediate-risk"):
        service.record_step(school["alice"], rec, key, "no")
    assert service.transition(school["alice"], rec, "open").status == "open"


def test_a_child_under_13_in_the_directory_makes_the_referral_required_whatever_is_answered(
    school, report
) -> None:
    rec = report(nude_image_suspected=True, parts=(("mia", "victim"),))
    with pytest.raises(RuleError, match="under 13"):
        service.record_step(school["alice"], rec, "under-13", "no")
    assert "under-13" in flowchart.referral_required(rec)
    assert flowchart.NUDE_REFERRAL in flowchart.missing_steps(rec, None)


def test_an_allegation_needs_the_headteacher_told_and_the_lado_referral(
    school, report, client
) -> None:
    rec = report("bob", kind="allegation", parts=(("carol", "instigator"),))
    sign_in(client, school["harry"])
    assert _api(client, f"/api/records/{rec.pk}/status/", {"status": "open"}).status_code == 409
    told = _api(
        client,
        f"/api/records/{rec.pk}/steps/",
        {"step": "headteacher-informed", "answer": "done", "on": "2026-11-20"},
    )
    assert told.status_code == 200
    no_ref = _api(
        client,
        f"/api/records/{rec.pk}/steps/",
        {"step": "lado-referral", "answer": "done", "on": "2026-11-21"},
    )
    assert no_ref.status_code == 409
    lado = _api(
        client,
        f"/api/records/{rec.pk}/steps/",
        {
            "step": "lado-referral",
            "answer": "done",
            "on": "2026-11-21",
            "reference": "LADO/2026/14",
        },
    )
    assert lado.status_code == 200 and lado.json()["missing_steps"] == []
    assert (
        _api(client, f"/api/records/{rec.pk}/status/", {"status": "open"}).json()["status"]
        == "open"
    )


def test_a_step_from_another_flowchart_is_refused(school, report) -> None:
    rec = report()
    with pytest.raises(RuleError, match="not a step"):
        service.record_step(school["alice"], rec, "lado-referral", "done", date.today(), "X")
