"""Evidence: hashed, stored outside any web root, served only through the gate, in custody."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from harbour.apps.records import evidence, storage
from harbour.apps.records.rules import RuleError
from harbour.paths import data_dir
from tests.fixtures import sign_in

pytestmark = pytest.mark.django_db


def test_a_file_is_stored_by_its_sha256_in_the_data_directory_with_size_and_who_added_it(
    school, report, client
) -> None:
    rec = report()
    body = b"chat log: pupil was threatened"
    sign_in(client, school["dora"])
    upload = SimpleUploadedFile("chat.txt", body, content_type="text/plain")
    response = client.post(
        f"/api/records/{rec.pk}/evidence/", {"kind": "file", "file": upload, "description": "chat"}
    )
    item = response.json()["evidence"][0]
    digest = hashlib.sha256(body).hexdigest()
    assert item["sha256"] == digest and item["size"] == len(body) and item["added_by"] == "dora"
    stored = storage.path_for(digest)
    assert stored.read_bytes() == body and stored.is_relative_to(data_dir() / "evidence")
    assert oct(stored.stat().st_mode & 0o777) == "0o600"


def test_a_download_goes_through_the_gate_and_into_the_chain_of_custody(
    school, report, client
) -> None:
    rec = report()
    item = evidence.add_evidence(
        school["alice"], rec, "screenshot", chunks=[b"\x89PNG fake"], filename="s.png"
    )
    sign_in(client, school["dora"])
    response = client.get(f"/records/{rec.pk}/evidence/{item.pk}/download/")
    assert (
        response.content == b"\x89PNG fake"
        and response["Content-Type"] == "application/octet-stream"
    )
    evidence.hand_over(school["alice"], item, "Police officer 4471", "exhibit AB/1")
    custody = list(item.custody.values_list("action", "actor", "to_whom"))
    assert custody == [
        ("added", "alice", ""),
        ("downloaded", "dora", ""),
        ("handed-over", "alice", "Police officer 4471"),
    ]


def test_a_stored_file_that_was_altered_is_refused(school, report) -> None:
    rec = report()
    item = evidence.add_evidence(school["alice"], rec, "file", chunks=[b"original"], filename="f")
    storage.path_for(item.sha256).write_bytes(b"tampered")
    with pytest.raises(ValueError, match="no longer matches"):
        evidence.open_evidence(school["alice"], item)


def test_a_web_address_must_be_http_or_https(school, report) -> None:
    rec = report()
    with pytest.raises(RuleError, match="http"):
        evidence.add_evidence(school["alice"], rec, "url", url="javascript:alert(1)")
    assert evidence.add_evidence(school["alice"], rec, "url", url="https://example.org/post/1").url


def test_a_two_person_review_needs_two_different_reviewers_and_a_conclusion(school, report) -> None:
    rec = report()
    kwargs = {
        "computer": "DSL office PC (OSB-07)",
        "reason_for_concern": "searches for self-harm methods",
        "conclusion": "concern confirmed; refer",
        "reviewed_on": date(2026, 11, 20),
    }
    with pytest.raises(RuleError, match="two different"):
        evidence.add_review(
            school["alice"], rec, reviewer_one="Alice", reviewer_two="alice", **kwargs
        )
    review = evidence.add_review(
        school["alice"], rec, reviewer_one="Alice Example", reviewer_two="Dora Example", **kwargs
    )
    assert review.recorded_by == "alice" and rec.reviews.count() == 1


def test_nude_image_records_cannot_be_reviewed_in_school(school, report) -> None:
    rec = report(nude_image_suspected=True)
    with pytest.raises(RuleError, match="never reviewed"):
        evidence.add_review(
            school["alice"],
            rec,
            reviewer_one="A",
            reviewer_two="B",
            computer="PC",
            reason_for_concern="x",
            conclusion="y",
            reviewed_on=date(2026, 11, 20),
        )


def test_the_api_refuses_an_altered_file_with_a_clear_reason(school, report, client) -> None:
    rec = report()
    item = evidence.add_evidence(school["alice"], rec, "file", chunks=[b"original"], filename="f")
    storage.path_for(item.sha256).write_bytes(b"tampered")
    sign_in(client, school["alice"])
    response = client.get(f"/api/records/{rec.pk}/evidence/{item.pk}/")
    assert (
        response.status_code == 409
        and "no longer matches" in response.json()["errors"]["__all__"][0]
    )
