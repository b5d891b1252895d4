"""The REST API: JSON in and out, the OpenAPI document, the alerts hook."""

from __future__ import annotations

import json

import pytest

from harbour.apps.records import service
from harbour.apps.records.ops import OPERATIONS
from tests.fixtures import sign_in

pytestmark = pytest.mark.django_db


def test_the_openapi_document_lists_every_operation_with_its_fields(client) -> None:
    doc = client.get("/api/records/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for name, op in OPERATIONS.items():
        path = f"/api/records/{{pk}}/{name}/" + ("{target}/" if op.target else "")
        assert path in doc["paths"], name
    report = doc["paths"]["/api/records/"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    assert {"kind", "what_happened", "occurred_at", "four_cs", "risk_category"} <= set(
        report["required"]
    )
    assert report["properties"]["four_cs"]["items"]["enum"] == [
        "content",
        "contact",
        "conduct",
        "commerce",
    ]


def test_a_teacher_reports_through_the_api_and_bad_input_names_the_field(
    school, people, client
) -> None:
    sign_in(client, school["bob"])
    bad = client.post(
        "/api/records/",
        data=json.dumps({"kind": "concern", "four_cs": ["gossip"]}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and {"four_cs", "what_happened", "risk_category"} <= set(
        bad.json()["errors"]
    )
    good = client.post(
        "/api/records/",
        content_type="application/json",
        data=json.dumps(
            {
                "kind": "incident",
                "what_happened": "Pupil bypassed the filter with a VPN app",
                "occurred_at": "2026-11-20T09:30",
                "four_cs": ["conduct"],
                "risk_category": "violence",
                "severity": 2,
                "incident_type": "filter-bypass",
                "instigators": "P00002",
            }
        ),
    )
    assert good.status_code == 201
    assert (
        good.json()["what_happened"].startswith("Pupil bypassed") and "actions" not in good.json()
    )
    assert (
        client.post("/api/records/", data="{not json", content_type="application/json").status_code
        == 400
    )


def test_the_dsl_works_a_record_end_to_end_through_the_api(school, report, client) -> None:
    rec = report(
        kind="incident", incident_type="non-educational-sites", parts=(("leo", "instigator"),)
    )
    sign_in(client, school["alice"])

    def post(op, data, target=""):
        url = f"/api/records/{rec.pk}/{op}/" + (f"{target}/" if target else "")
        return client.post(url, data=json.dumps(data), content_type="application/json")

    assert post("status", {"status": "open"}).json()["status"] == "open"
    actions = client.get(f"/api/records/{rec.pk}/").json()["actions"]
    for item in actions:
        assert (
            post("finish", {"status": "done", "done_on": "2026-11-21"}, item["id"]).status_code
            == 200
        )
    assert post("notes", {"text": "Parents informed by phone"}).status_code == 200
    refused = post("status", {"status": "closed"})
    assert refused.status_code == 409 and "outcome" in refused.json()["errors"]["__all__"][0]
    closed = post(
        "status", {"status": "closed", "outcome": "Warning given", "reason": "first time"}
    ).json()
    assert closed["status"] == "closed" and closed["closed_by"] == "alice"
    assert post("notes", {"text": "late"}).status_code == 409


def test_an_alert_becomes_a_linked_incident_with_the_c_its_category_implies(
    school, people, alert_about
) -> None:
    alert = alert_about("mia", "grooming", severity=5)
    rec = service.create_record_from_alert(alert, school["alice"], "Chat with an unknown adult")
    assert rec.kind == "incident" and rec.four_cs == ["contact"] and rec.severity == 5
    assert rec.alert_links.get().alert_id == str(alert.pk)
    assert rec.involvements.get(part="victim").person == people["mia"]
    assert "Chat with an unknown adult" in rec.what_happened


def test_linking_an_alert_that_does_not_exist_is_refused(school, report, client) -> None:
    rec = report()
    sign_in(client, school["alice"])
    refused = client.post(
        f"/api/records/{rec.pk}/links/",
        data=json.dumps({"alert_id": "999999"}),
        content_type="application/json",
    )
    assert (
        refused.status_code == 409
        and "no monitoring alert 999999" in refused.json()["errors"]["__all__"][0]
    )
