"""Roster import from an MIS export is all-or-nothing, with row-numbered errors."""

from __future__ import annotations

import pytest

from harbour.apps.audit.models import AuditEntry
from harbour.apps.people.models import Person
from harbour.apps.people.sample import sample_roster
from harbour.apps.policies.service import current_policy
from harbour.cli import main

HEADER = "UPN,Legal Surname,Legal Forename,Year,Reg Group,DOB,Username,Groups\n"


def write(tmp_path, text: str):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    return str(path)


def test_mis_style_columns_import_and_groups_follow_the_policy(school, tmp_path) -> None:
    path = write(tmp_path, "Kind," + HEADER + "pupil,A1,Khan,Amir,4,4B,12/05/2017,amir.k,digital-leaders\n"
                 "pupil,A2,Jones,Ella,R,RA,2021-01-02,,\nstaff,S1,Shaw,Tara,,,,t.shaw,\n")
    assert main(["people", "import", path]) == 0
    amir = Person.objects.get(external_id="A1")
    assert amir.filter_groups(current_policy()) == {"pupils-ks2", "digital-leaders"}
    assert Person.objects.get(external_id="A2").filter_groups(current_policy()) == {"pupils-ks1"}
    assert Person.objects.get(external_id="S1").filter_groups(current_policy()) == {"staff"}
    assert AuditEntry.objects.filter(object_type="people.person", action="create").count() == 3


def test_one_bad_row_imports_nothing_and_every_bad_row_is_named(school, tmp_path, capsys) -> None:
    path = write(tmp_path, "Kind," + HEADER + "pupil,A1,Khan,Amir,4,4B,,,\n"
                 "pupil,A2,Jones,Ella,14,,,,\npupil,A3,Lee,,3,,,,\npupil,A1,Khan,Amir,4,,,,\n"
                 "pupil,A4,Ng,Jo,2,,31/02/2019,,\npupil,A5,Ng,Al,2,,,,chess-club\n")
    assert main(["people", "import", path]) == 2
    err = capsys.readouterr().err
    assert f"{path}:3: year: '14' is not a school year" in err
    assert f"{path}:4: first_name: required" in err
    assert f"{path}:5: external_id: 'A1' already on row 2" in err
    assert f"{path}:6: " in err and "is not a date" in err
    assert f"{path}:7: groups: 'chess-club' is not a nominated group" in err
    assert not Person.objects.exists()


def test_dry_run_shows_changes_and_changes_nothing(school, tmp_path, capsys) -> None:
    path = write(tmp_path, "Kind," + HEADER + "pupil,A1,Khan,Amir,4,4B,,,\n")
    assert main(["people", "import", path]) == 0
    path = write(tmp_path, "Kind," + HEADER + "pupil,A1,Khan,Amir,5,5A,,,\npupil,A2,Jones,Ella,1,,,,\n")
    assert main(["people", "import", "--dry-run", path]) == 0
    out = capsys.readouterr().out
    assert "update  A1 class_name, year" in out and "add     A2 pupil" in out and "nothing changed" in out
    assert Person.objects.get(external_id="A1").year == 4
    assert Person.objects.count() == 1


def test_a_missing_required_column_is_reported_on_the_header_line(school, tmp_path, capsys) -> None:
    path = write(tmp_path, "Kind,Surname,Forename\npupil,Khan,Amir\n")
    assert main(["people", "import", path]) == 2
    assert f"{path}:1: missing column(s): external_id" in capsys.readouterr().err


def test_the_sample_school_roster_is_valid_and_a_few_hundred_strong(school) -> None:
    from harbour.apps.people.roster import parse_roster

    rows = parse_roster(sample_roster(), "sample", current_policy())
    pupils = [r for r in rows if r["kind"] == "pupil"]
    assert 150 <= len(pupils) <= 400
    assert 20 <= len([r for r in rows if r["kind"] == "staff"]) <= 60
    assert any("digital-leaders" in r["nominated_groups"] for r in pupils)


@pytest.mark.parametrize("role", ["governor", "wizard"])
def test_staff_roles_must_be_staff_roles(school, tmp_path, capsys, role) -> None:
    path = write(tmp_path, f"kind,external_id,last_name,first_name,role\nstaff,S9,Shaw,Tara,{role}\n")
    assert main(["people", "import", path]) == 2
    assert ":2: role:" in capsys.readouterr().err
