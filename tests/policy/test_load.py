"""The policy file is validated whole and every mistake is reported with its line."""

from __future__ import annotations

import pytest

from harbour.policy import Level, PolicyError, load_policy, load_policy_text
from tests.paths import SAMPLE_POLICY

MINIMAL = """
[school]
name = "Test School"

[groups.pupils-ks2]
kind = "pupil"
years = [3, 4, 5, 6]

[groups.staff]
kind = "staff"

[times]
lunch = ["Mon-Fri 12:00-13:00"]
"""


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        load_policy_text(text, "p.toml")
    return [str(p) for p in caught.value.problems]


def test_sample_school_policy_is_valid_and_has_the_required_tables() -> None:
    policy = load_policy(SAMPLE_POLICY)
    for group in ("pupils-ks1", "pupils-ks2", "staff", "visitors", "digital-leaders"):
        assert group in policy.groups
    assert policy.groups["digital-leaders"].nominated
    assert policy.times["lunch"] == ["Mon-Fri 12:00-13:00"]
    assert policy.times["after-school"] == ["Mon-Fri 15:30-18:00"]
    assert policy.activities["gambling"].lists == ["gambling", "arjel"]
    assert policy.activities["online-gaming"].levels["staff"].level is Level.AT_CERTAIN_TIMES
    assert policy.activities["video-broadcasting"].levels["pupils"].users == ["digital-leaders"]
    assert len(policy.devices) == 6
    assert policy.sanctions.pupils and policy.sanctions.staff
    assert len(policy.version) == 12


def test_unknown_group_misspelt_level_and_unknown_list_are_all_reported_with_lines() -> None:
    text = SAMPLE_POLICY.read_text()
    text = text.replace('[activities.dating]\ntitle = "Online dating"\nlists = ["dating"]',
                        '[activities.dating]\ntitle = "Online dating"\nlists = ["datting"]')
    text = text.replace('[activities.drugs]\ntitle = "Drugs and substance abuse"\nlists = ["drogue"]\nall = "unacceptable"',
                        '[activities.drugs]\ntitle = "Drugs and substance abuse"\nlists = ["drogue"]\nall = "unaceptable"')
    text = text.replace('governors = { level = "at-certain-times"', 'governers = { level = "at-certain-times"')
    lines = text.splitlines()
    found = problems(text)
    joined = "\n".join(found)
    assert "unknown list 'datting'" in joined
    assert "'unaceptable' is not allowed" in joined
    assert "unknown group 'governers'" in joined
    for needle, key in (("datting", 'lists = ["datting"]'), ("unaceptable", 'all = "unaceptable"'),
                        ("governers", "governers = ")):
        message = next(m for m in found if needle in m)
        line = int(message.split(":")[1])
        assert key in lines[line - 1], (message, lines[line - 1])


def test_unknown_keys_and_wrong_types_are_errors() -> None:
    found = problems(MINIMAL + '\n[groups.visitors]\nkind = "visitor"\ncolour = "blue"\n\n[school2]\nx = 1\n')
    joined = "\n".join(found)
    assert "unknown key 'groups.visitors.colour'" in joined
    assert "unknown key 'school2'" in joined
    found = problems(MINIMAL.replace("years = [3, 4, 5, 6]", 'years = "three"'))
    assert any(":7:" in m and "years" in m for m in found), found


def test_impossible_and_overlapping_time_windows_are_errors() -> None:
    found = problems(MINIMAL.replace('lunch = ["Mon-Fri 12:00-13:00"]',
                                     'lunch = ["Mon-Fri 12:00-13:00", "Wed 12:30-14:00"]\nlate = ["Mon 25:00-26:00"]\nbackwards = ["Mon 14:00-13:00"]'))
    joined = "\n".join(found)
    assert "overlaps" in joined
    assert "impossible time 25:00" in joined
    assert "ends before it starts" in joined


def test_a_row_that_leaves_a_group_without_a_level_is_an_error() -> None:
    found = problems(MINIMAL + '\n[activities.games]\nlists = ["games"]\npupils = "unacceptable"\n')
    assert any("gives no level for staff" in m for m in found)


def test_nominated_users_and_times_must_name_existing_groups_and_windows() -> None:
    found = problems(MINIMAL + '\n[activities.games]\nlists = ["games"]\n'
                     'pupils = { level = "nominated-users", users = ["chess-club"] }\n'
                     'staff = { level = "at-certain-times", times = ["lunchtime"] }\n')
    joined = "\n".join(found)
    assert "unknown nominated group 'chess-club'" in joined
    assert "unknown time window 'lunchtime' (did you mean 'lunch'?)" in joined


def test_a_locked_list_cannot_be_made_acceptable() -> None:
    found = problems(MINIMAL + '\n[locked]\nlists = ["iwf"]\n\n[activities.x]\nlists = ["iwf"]\nall = "acceptable"\n')
    assert any("locked list" in m for m in found)


def test_broken_toml_names_the_line() -> None:
    found = problems(MINIMAL + "\n[groups.oops\n")
    assert found[0].startswith("p.toml:15: not valid TOML")


def test_version_changes_with_the_text() -> None:
    assert load_policy_text(MINIMAL).version != load_policy_text(MINIMAL + "\n# edit\n").version
