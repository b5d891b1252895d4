"""CSV import of training and consent records: all or nothing, every bad row named."""

from __future__ import annotations

from datetime import date

import pytest

from harbour.apps.people.models import Person
from harbour.apps.registers.models import Completion, Consent
from harbour.cli import main

pytestmark = pytest.mark.django_db

TRAINING = """Staff code,Requirement,Completed,Provider
S100,staff-induction,2026-09-01,School
S100,staff-refresher,15/12/2025,Local authority
G100,governors,31/08/2025,Governor services
"""
CONSENT = """UPN,Use,Consent,From,Given by,Notes
P100,website,yes,2026-09-05,Ana's mother,
P100,press,no,2026-09-05,Ana's mother,no newspapers
"""


@pytest.fixture
def people(school):  # type: ignore[no-untyped-def]
    Person.objects.create(
        kind="staff",
        external_id="S100",
        first_name="Bo",
        last_name="Teach",
        start_date=date(2025, 9, 1),
    )
    Person.objects.create(kind="governor", external_id="G100", first_name="Gil", last_name="Board")
    Person.objects.create(
        kind="pupil", external_id="P100", first_name="Ana", last_name="Young", year=4
    )


def write(tmp_path, text: str) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "records.csv"
    path.write_text(text)
    return str(path)


def test_training_records_import_and_a_second_run_adds_nothing(people, tmp_path, capsys) -> None:
    path = write(tmp_path, TRAINING)
    assert main(["registers", "import", "training", path]) == 0
    assert Completion.objects.count() == 3
    assert main(["registers", "import", "training", path]) == 0
    assert Completion.objects.count() == 3
    assert "0 training record(s) to add, 3 already recorded" in capsys.readouterr().out


def test_one_bad_row_imports_nothing_and_every_bad_row_is_named_by_line(
    people, tmp_path, capsys
) -> None:
    text = (
        TRAINING
        + "S999,staff-induction,2026-09-01,\nS100,first-aid,2026-09-01,\nP100,staff-induction,2026-13-01,\n"
    )
    assert main(["registers", "import", "training", write(tmp_path, text)]) == 2
    err = capsys.readouterr().err
    assert ":5: nobody has the id 'S999'" in err
    assert ":6: the policy has no training requirement 'first-aid'" in err
    assert ":7: P100 is a pupil, not a staff or governor" in err
    assert "3 problem(s); nothing was imported" in err
    assert Completion.objects.count() == 0


def test_consent_import_dry_run_changes_nothing_then_import_records_history(
    people, tmp_path, capsys
) -> None:
    path = write(tmp_path, CONSENT)
    assert main(["registers", "import", "consent", "--dry-run", path]) == 0
    assert "dry run: 2 consent record(s) to add" in capsys.readouterr().out
    assert Consent.objects.count() == 0
    assert main(["registers", "import", "consent", path]) == 0
    assert sorted(Consent.objects.values_list("use", "granted")) == [
        ("press", False),
        ("website", True),
    ]


def test_missing_columns_are_reported_on_the_header_line(people, tmp_path, capsys) -> None:
    assert main(["registers", "import", "consent", write(tmp_path, "UPN,Use\nP100,press\n")]) == 2
    err = capsys.readouterr().err
    assert (
        "records.csv:1: missing column 'consent'" in err
        and "records.csv:1: missing column 'given_by'" in err
    )


def test_bad_consent_answers_and_uses_are_named(people, tmp_path, capsys) -> None:
    text = "UPN,Use,Consent,From,Given by\nP100,billboard,yes,2026-09-05,Mum\nP100,press,maybe,2026-09-05,Mum\n"
    assert main(["registers", "import", "consent", write(tmp_path, text)]) == 2
    err = capsys.readouterr().err
    assert (
        ":2: use 'billboard' is not one of" in err
        and ":3: consent 'maybe' must be yes or no" in err
    )
