"""Retention: DOB + 25 years for child protection, retirement age or 10 years for allegations."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.http import Http404
from django.utils import timezone

from harbour.apps.audit.models import AuditEntry
from harbour.apps.records import evidence, retention, service, storage
from harbour.apps.records.models import Record
from harbour.apps.records.rules import RuleError

pytestmark = pytest.mark.django_db


def _closed(school, rec):
    service.transition(school["alice"], rec, "open")
    return service.transition(school["alice"], rec, "closed", "done", "resolved")


def test_a_childs_record_is_kept_until_the_youngest_childs_birth_plus_25_years(report) -> None:
    rec = report(parts=(("mia", "victim"), ("leo", "witness")))
    assert retention.keep_until(rec) == date(2041, 3, 4)


def test_an_allegation_is_kept_until_67_or_ten_years_whichever_is_later(report, people) -> None:
    rec = report("bob", kind="allegation", parts=(("carol", "instigator"),))
    assert retention.keep_until(rec) == date(2047, 5, 1)
    people["carol"].date_of_birth = date(1955, 1, 1)
    people["carol"].save()
    at = rec.occurred_at.date()
    assert retention.keep_until(rec) == at.replace(year=at.year + 10)


def test_without_a_date_of_birth_a_record_is_never_listed_as_due(report) -> None:
    assert retention.keep_until(report(parts=())) is None


def test_only_closed_records_past_their_date_are_due_and_only_the_dsl_deletes(
    school, report
) -> None:
    rec = _closed(school, report())
    item = evidence.add_evidence(school["alice"], report(), "file", chunks=[b"kept"], filename="k")
    file_item = evidence.add_evidence(
        school["alice"], report(), "file", chunks=[b"only here"], filename="x"
    )
    Record.objects.filter(pk=file_item.record_id).update(status="closed", closed_at=timezone.now())
    later = date(2042, 1, 1)
    due = [d.record.pk for d in retention.due_for_review(later)]
    assert rec.pk in due and item.record_id not in due and file_item.record_id in due
    with pytest.raises(Http404):
        retention.delete_record(school["dora"], rec, "retention ended", later)
    with pytest.raises(RuleError):
        retention.delete_record(school["alice"], rec, "too early", date(2030, 1, 1))
    pk = rec.pk
    retention.delete_record(school["alice"], rec, "retention period ended", later)
    assert not Record.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(action="delete", object_id=str(pk))
    assert entry.actor == "alice" and "retention" in entry.summary and "secret" not in entry.summary
    assert storage.path_for(item.sha256).exists()


def test_deleting_removes_evidence_files_nothing_else_uses(
    school, report, django_capture_on_commit_callbacks
) -> None:
    rec = report()
    item = evidence.add_evidence(
        school["alice"], rec, "file", chunks=[b"unique bytes"], filename="u"
    )
    _closed(school, rec)
    with django_capture_on_commit_callbacks(execute=True):
        retention.delete_record(school["alice"], rec, "retention ended", date(2042, 1, 1))
    assert not storage.path_for(item.sha256).exists()


def test_leap_day_births_roll_to_the_28th() -> None:
    assert retention._plus_years(date(2016, 2, 29), 25) == date(2041, 2, 28)
    assert datetime(2041, 2, 28).date() == retention._plus_years(date(2016, 2, 29), 25)
