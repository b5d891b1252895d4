"""The registers' pages and JSON API: who may open what, and what each form does."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from harbour.apps.audit.models import AuditEntry
from harbour.apps.people.models import Person
from harbour.apps.registers.models import Completion, Course, Device, Review, SelfAudit, Signature
from tests.apps.registers.conftest import staff_member
from tests.fixtures import sign_in

pytestmark = pytest.mark.django_db
CAST = ["alice", "dora", "harry", "ivan", "bob", "carol", "gina"]
PAGES = {
    "/registers/": {"alice", "dora", "harry", "ivan", "gina"},
    "/registers/me/": set(CAST),
    "/registers/agreements/": {"alice", "dora", "harry", "ivan"},
    "/registers/agreements/class/": {"alice", "dora", "harry", "ivan"},
    "/registers/training/": {"alice", "dora", "harry"},
    "/registers/consent/": {"alice", "dora", "harry"},
    "/registers/publish/": {"alice", "dora", "harry", "ivan", "bob", "carol"},
    "/registers/devices/": {"alice", "dora", "ivan"},
    "/registers/reviews/": {"alice", "dora", "harry", "ivan", "gina"},
    "/api/registers/agreements/": {"alice", "dora", "harry", "ivan"},
    "/api/registers/training/": {"alice", "dora", "harry"},
    "/api/registers/devices/": {"alice", "dora", "ivan"},
    "/api/registers/reviews/": {"alice", "dora", "harry", "ivan", "gina"},
}


@pytest.mark.parametrize("name", CAST)
def test_each_role_opens_only_the_registers_it_owns(school, client, name) -> None:
    sign_in(client, school[name])
    for page, allowed in PAGES.items():
        assert client.get(page).status_code == (200 if name in allowed else 404), page


def test_staff_sign_their_agreement_from_their_own_page(school, client, data_dir) -> None:
    staff_member()
    sign_in(client, school["bob"])
    page = client.get("/registers/me/")
    assert b"Not signed yet" in page.content and b"your internet access is limited" in page.content
    assert client.post("/registers/me/sign/staff/", {}).status_code == 302  # box not ticked
    assert not Signature.objects.exists()
    client.post(
        "/registers/me/sign/staff/",
        {"agree": "yes"},
        REMOTE_ADDR="127.0.0.9",
        HTTP_USER_AGENT="Test/1.0",
    )
    signature = Signature.objects.get()
    assert (signature.method, signature.ip, signature.device, signature.version) == (
        "electronic",
        "127.0.0.9",
        "Test/1.0",
        "2026.1",
    )
    assert client.get("/api/registers/me/").json()["agreements"][0]["state"] == "signed"


def test_the_dsl_records_a_paper_signature_and_bad_ids_are_explained(
    school, client, data_dir
) -> None:
    Person.objects.create(
        kind="pupil", external_id="P100", first_name="Ana", last_name="Young", year=4
    )
    sign_in(client, school["alice"])
    bad = client.post(
        "/registers/agreements/",
        {"person": "P999", "agreement": "parents", "signer_name": "Mum", "signed_on": "2026-09-03"},
    )
    assert b"nobody has the id" in bad.content
    client.post(
        "/registers/agreements/",
        {
            "person": "P100",
            "agreement": "parents",
            "signer_name": "Ana's mother",
            "signed_on": "2026-09-03",
        },
    )
    signature = Signature.objects.get()
    assert (signature.method, signature.signer_name, signature.signed_on) == (
        "paper",
        "Ana's mother",
        date(2026, 9, 3),
    )
    assert AuditEntry.objects.filter(action="create", object_type="registers.signature").exists()


def test_the_self_audit_turns_no_answers_into_summarised_training_needs(school, client) -> None:
    staff_member()
    sign_in(client, school["bob"])
    answers = {
        key: "yes"
        for key in [
            "lead",
            "peer-abuse",
            "concern",
            "staff-aup",
            "pupil-aup",
            "passwords",
            "cyberbullying",
            "filtering",
        ]
    }
    partial = client.post("/registers/me/self-audit/", {"lead": "yes"}).content
    assert b"please answer every question" in partial and b'value="yes" checked' in partial
    client.post(
        "/registers/me/self-audit/",
        {**answers, "peer-abuse": "no", "filtering": "no", "wanted": "Online gaming risks"},
    )
    assert SelfAudit.objects.count() == 1
    sign_in(client, school["harry"])
    page = client.get("/registers/training/").content.decode()
    assert "Child-on-child abuse online" in page and "Online gaming risks" in page


def test_a_certificate_is_stored_hashed_and_its_download_is_audited(
    school, client, data_dir
) -> None:
    Person.objects.create(kind="staff", external_id="S100", first_name="Bo", last_name="Teach")
    sign_in(client, school["alice"])
    pdf = b"%PDF-1.4 certificate"
    client.post(
        "/registers/training/",
        {
            "person": "S100",
            "requirement": "staff-refresher",
            "completed_on": "2026-10-01",
            "provider": "LA",
            "certificate": SimpleUploadedFile("cert.pdf", pdf),
        },
    )
    done = Completion.objects.get()
    assert done.certificate_sha256 == hashlib.sha256(pdf).hexdigest()
    assert (data_dir / done.certificate).read_bytes() == pdf
    response = client.get(f"/registers/training/certificate/{done.pk}/")
    assert b"".join(response.streaming_content) == pdf
    assert AuditEntry.objects.filter(action="download", object_id=str(done.pk)).exists()


def test_staff_ask_may_we_publish_and_get_an_answer_per_pupil(school, client) -> None:
    from harbour.apps.registers.consent import set_consent

    ana = Person.objects.create(
        kind="pupil", external_id="P100", first_name="Ana", last_name="Young", year=4
    )
    Person.objects.create(
        kind="pupil", external_id="P101", first_name="Ben", last_name="Old", year=4
    )
    set_consent(ana, "newsletter", True, date(2026, 9, 5), "Ana's mother", "dsl")
    sign_in(client, school["bob"])
    page = client.post(
        "/registers/publish/", {"pupils": "Ana Young\nP101", "use": "newsletter"}
    ).content.decode()
    assert "No: do not publish" in page and "consent given by Ana&#x27;s mother" in page
    api = client.get(
        "/api/registers/publish-check/", {"pupils": "P100", "use": "newsletter"}
    ).json()
    assert api["all_clear"] is True and api["answers"][0]["reason"].startswith("consent given")
    assert (
        client.get("/registers/consent/").status_code == 404
    )  # staff see answers, not the register


def test_the_it_technician_registers_a_guest_device_with_an_expiry(
    school, client, data_dir
) -> None:
    sign_in(client, school["ivan"])
    refused = client.post(
        "/registers/devices/",
        {"name": "Guest", "device_type": "visitor-owned", "ip": "10.30.0.5", "guest": "on"},
    )
    assert b"guest access needs an expiry" in refused.content
    client.post(
        "/registers/devices/",
        {
            "name": "Guest",
            "device_type": "visitor-owned",
            "ip": "10.30.0.5",
            "guest": "on",
            "expires": "2099-01-01T10:00",
        },
    )
    device = Device.objects.get()
    assert device.guest and device.expires.year == 2099
    assert client.get("/api/registers/devices/").json()["devices"][0]["status"] == "filtered"


def test_a_review_cannot_be_signed_off_without_the_required_people_and_checks(
    school, client
) -> None:
    sign_in(client, school["harry"])
    client.post(
        "/registers/reviews/",
        {"title": "Annual review", "trigger": "annual", "held_on": "2026-10-01"},
    )
    review = Review.objects.get()
    checks = {
        f"check-{key}": "on"
        for key in [
            "roles",
            "sites",
            "groups",
            "age",
            "illegal",
            "self-test",
            "bypass",
            "devices",
            "reports",
            "monitoring",
            "over-blocking",
            "training",
        ]
    }
    page = client.post(
        f"/registers/reviews/{review.pk}/",
        {"participants": "Jo Head; senior leader", "complete": "on", **checks},
    )
    assert b"no DSL took part" in page.content and b"no IT took part" in page.content
    client.post(
        f"/registers/reviews/{review.pk}/",
        {
            "participants": "Jo Head; senior leader\nAl Lead; DSL\nRo Tech; IT",
            "findings": "All good",
            "actions": "Check guest Wi-Fi; Ro Tech; 2026-11-01",
            "complete": "on",
            **checks,
        },
    )
    review.refresh_from_db()
    assert review.completed and review.actions == [
        {"action": "Check guest Wi-Fi", "owner": "Ro Tech", "due": "2026-11-01"}
    ]
    sign_in(client, school["gina"])
    assert client.get("/api/registers/reviews/").json()["reviews"][0]["completed"] is True
    assert (
        client.post(f"/registers/reviews/{review.pk}/", {"findings": "changed"}).status_code == 200
    )
    review.refresh_from_db()
    assert review.findings == "All good"  # governors read; they do not edit


def test_a_risk_assessment_decision_needs_an_approver_and_a_date(school, client) -> None:
    sign_in(client, school["alice"])
    form = {
        "title": "AI tutor",
        "technology": "Generative AI",
        "risks": "Data leakage; medium; high; no pupil data",
        "decision": "approved",
        "review_on": "2027-03-01",
    }
    refused = client.post("/registers/risks/new/", form).content.decode()
    assert "a decision needs the approver" in refused
    assert 'value="AI tutor"' in refused and "Data leakage; medium; high; no pupil data" in refused
    response = client.post(
        "/registers/risks/new/", {**form, "approver": "J Reid", "decided_on": "2026-11-01"}
    )
    assert response.status_code == 302
    risk = client.get("/api/registers/reviews/").json()["risk_assessments"][0]
    assert risk["risks"][0] == {
        "risk": "Data leakage",
        "likelihood": "medium",
        "impact": "high",
        "mitigation": "no pupil data",
    }


def test_the_home_page_reminds_leaders_of_the_policy_review_date(school, client) -> None:
    from unittest import mock

    sign_in(client, school["harry"])
    with mock.patch(
        "harbour.apps.registers.reviews.timezone.localdate", return_value=date(2027, 8, 1)
    ):
        page = client.get("/").content.decode()
    assert "Online safety policy review" in page and "due 01 Sep 2027 (31 days)" in page


def test_a_course_counts_towards_the_requirements_it_is_added_for(school, client) -> None:
    from harbour.apps.policies.service import current_policy
    from harbour.apps.registers.training import duties

    teacher = Person.objects.create(
        kind="staff",
        external_id="S100",
        first_name="Bo",
        last_name="Teach",
        start_date=date(2025, 9, 1),
    )
    sign_in(client, school["alice"])
    form = {
        "form": "course",
        "title": "Online safety e-learning",
        "provider": "Safe Ed",
        "satisfies": ["staff-refresher", "dsl-update"],
    }
    client.post("/registers/training/", form)
    assert b"already a course" in client.post("/registers/training/", form).content
    course = Course.objects.get(title="Online safety e-learning")
    client.post(
        "/registers/training/",
        {"person": "S100", "requirement": f"course:{course.pk}", "completed_on": "2026-10-31"},
    )
    refresher = next(
        d
        for d in duties(teacher, current_policy(), date(2026, 11, 1))
        if d.key == "staff-refresher"
    )
    assert refresher.last == date(2026, 10, 31) and refresher.due == date(2027, 10, 31)


def test_the_consent_register_finds_a_pupil_and_reading_their_history_is_audited(
    school, client
) -> None:
    ana = Person.objects.create(
        kind="pupil",
        external_id="P100",
        first_name="Ana",
        last_name="Young",
        year=4,
        class_name="4A",
    )
    sign_in(client, school["harry"])
    found = client.get("/registers/consent/", {"q": "4a"}).content.decode()
    assert f"/registers/consent/pupil/{ana.pk}/" in found
    assert b"no consent recorded" in client.get(f"/registers/consent/pupil/{ana.pk}/").content
    entry = AuditEntry.objects.get(action="read", object_type="people.person")
    assert (entry.actor, entry.object_id) == ("harry", str(ana.pk))


def test_a_whole_class_of_paper_forms_is_recorded_at_once_and_lifts_their_restriction(
    school, client, data_dir
) -> None:
    from harbour.policy.snapshot import read_snapshot

    pupils = [
        Person.objects.create(
            kind="pupil",
            external_id=f"P{i}",
            first_name=name,
            last_name="Young",
            year=4,
            class_name="4A",
            username=f"p{i}",
        )
        for i, name in enumerate(["Ana", "Ben", "Cai"])
    ]
    sign_in(client, school["ivan"])
    page = client.get(
        "/registers/agreements/class/", {"class_name": "4A", "agreement": "pupils-ks2"}
    )
    assert page.content.count(b'name="pupil"') == 3
    client.post(
        "/registers/agreements/class/?class_name=4A&agreement=pupils-ks2",
        {"pupil": [pupils[0].pk, pupils[2].pk], "signer": "parent", "signed_on": "2026-09-10"},
    )
    signed = Signature.objects.order_by("person__external_id")
    assert [(s.person.first_name, s.method, s.signer_name) for s in signed] == [
        ("Ana", "paper", "Parent or carer of Ana Young"),
        ("Cai", "paper", "Parent or carer of Cai Young"),
    ]
    users = read_snapshot(data_dir / "policy.json").users
    assert (users["p0"], users["p1"], users["p2"]) == (["pupils-ks2"], ["visitors"], ["pupils-ks2"])
