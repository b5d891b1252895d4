"""The audit log is a keyed hash chain: any edit, removal or insertion is detected."""

from __future__ import annotations

import pytest
from django.db import connection

from harbour.apps.audit.chain import record, verify
from harbour.apps.audit.models import AuditEntry
from harbour.cli import main

pytestmark = pytest.mark.django_db


def write_entries(count: int = 5) -> None:
    for number in range(count):
        record("alice", "update", ("safeguarding.concern", str(number)), summary=f"change {number}",
               before={"status": "new"}, after={"status": "open"})


def raw_sql(statement: str, params: list) -> None:
    # Tampering goes straight to the database, as an attacker with DB access would.
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_an_untouched_chain_verifies() -> None:
    write_entries()
    report = verify()
    assert report.ok and report.entries == 5


def test_an_edited_row_is_named_as_the_first_broken_entry() -> None:
    write_entries()
    raw_sql("UPDATE audit_auditentry SET summary = %s WHERE seq = %s", ["nothing to see", 3])
    report = verify()
    assert not report.ok and report.broken_at == 3 and "altered" in report.problem


def test_an_edited_before_after_snapshot_is_detected() -> None:
    write_entries()
    raw_sql("UPDATE audit_auditentry SET after = %s WHERE seq = %s", ['{"status": "closed"}', 2])
    assert verify().broken_at == 2


def test_a_removed_row_is_detected() -> None:
    write_entries()
    raw_sql("DELETE FROM audit_auditentry WHERE seq = %s", [4])
    report = verify()
    assert report.broken_at == 4 and "missing" in report.problem


def test_removing_the_newest_rows_is_detected() -> None:
    write_entries()
    raw_sql("DELETE FROM audit_auditentry WHERE seq >= %s", [4])
    assert verify().broken_at == 4


def test_a_rehashed_row_without_the_key_does_not_verify() -> None:
    write_entries()
    import hashlib

    row = AuditEntry.objects.get(seq=2)
    forged = hashlib.sha256((row.prev_hash + "forged").encode()).hexdigest()
    raw_sql("UPDATE audit_auditentry SET summary = %s, hash = %s WHERE seq = %s", ["forged", forged, 2])
    assert verify().broken_at == 2


def test_audit_verify_command_exits_non_zero_naming_the_entry(capsys) -> None:
    write_entries()
    assert main(["audit", "verify"]) == 0
    raw_sql("UPDATE audit_auditentry SET actor = %s WHERE seq = %s", ["mallory", 5])
    assert main(["audit", "verify"]) == 1
    assert "entry #5" in capsys.readouterr().err
