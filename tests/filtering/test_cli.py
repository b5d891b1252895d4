"""``harbour lists`` and ``harbour filter decide`` as an IT technician runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import SAMPLE_POLICY, UT1


def harbour(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harbour.cli", "--data", str(data), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (UT1 / "games" / "domains").is_file():
        pytest.skip(f"the UT1 lists are not at {UT1}")
    folder = tmp_path_factory.mktemp("cli")
    done = harbour(
        folder, "lists", "import", "--only", "games,educational_games,gambling", str(UT1)
    )
    assert done.returncode == 0, done.stderr
    return folder


def decide_with_policy(data: Path, *args: str) -> list[dict]:  # type: ignore[type-arg]
    """``harbour filter decide --policy SAMPLE ARGS``: the JSON rows it prints."""
    done = harbour(data, "filter", "decide", "--policy", str(SAMPLE_POLICY), *args)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


GAME = "http://0000100.com/"  # in UT1 games only
FIELDS = {"url", "action", "categories", "activity", "level", "reason", "search_terms", "rule"}


def test_decide_prints_one_json_object_per_url_in_order(data: Path) -> None:
    urls = ["http://0000100.com/", "http://exa mple/", "https://www.bbc.co.uk/"]
    rows = decide_with_policy(data, "--group", "staff", "--at", "2026-11-24T12:30", *urls)
    assert [r["url"] for r in rows] == urls
    assert [r["action"] for r in rows] == ["allow", "block", "allow"]
    assert rows[0]["activity"] == "online-gaming" and rows[0]["categories"] == ["games"]
    assert "lunch" in rows[0]["reason"]
    assert rows[1]["error"]
    for row in rows:
        assert FIELDS | {"reason_code", "policy_version"} <= set(row)


def test_a_time_without_offset_is_in_the_schools_timezone(data: Path) -> None:
    # 12:30 in London in summer is 11:30 UTC: inside lunch only if read as school time.
    url = "http://0000100.com/"
    summer = decide_with_policy(data, "--group", "staff", "--at", "2026-06-23T12:30", url)
    utc = decide_with_policy(data, "--group", "staff", "--at", "2026-06-23T12:30+00:00", url)
    assert (summer[0]["action"], utc[0]["action"]) == ("allow", "block")


def test_decide_uses_the_compiled_snapshot_and_maps_client_addresses(data: Path) -> None:
    missing = harbour(data, "filter", "decide", "--group", "staff", "http://a.example/")
    assert missing.returncode == 2 and "compile-policy" in missing.stderr
    assert harbour(data, "filter", "compile-policy", str(SAMPLE_POLICY)).returncode == 0
    done = harbour(data, "filter", "decide", "--ip", "10.10.3.4", "--at", "2026-11-24T12:30", GAME)
    row = json.loads(done.stdout)
    assert (row["action"], row["groups"], row["rule"]) == (
        "block",
        ["pupils-ks2"],
        "activities.online-gaming:pupils",
    )


def test_bad_arguments_fail_clearly(data: Path) -> None:
    policy = ["filter", "decide", "--policy", str(SAMPLE_POLICY)]
    done = harbour(data, *policy, "--group", "year-12", "http://a.example/")
    assert done.returncode == 2 and "unknown group 'year-12'" in done.stderr
    done = harbour(data, *policy, "--at", "lunchtime", "http://a.example/")
    assert done.returncode == 2 and "ISO-8601" in done.stderr


def test_a_failed_import_exits_non_zero_and_status_still_shows_the_old_lists(
    data: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "ut1" / "games"
    bad.mkdir(parents=True)
    (bad / "domains").write_text("fine.example\nnot valid.example\n")
    done = harbour(data, "lists", "import", str(tmp_path / "ut1"))
    assert done.returncode == 2
    assert f"{bad / 'domains'}:2:" in done.stderr and "keep serving" in done.stderr
    skipped = harbour(data, "lists", "import", "--skip-bad", str(tmp_path / "ut1"))
    assert skipped.returncode == 0 and f"{bad / 'domains'}:2:" in skipped.stderr
    assert "1 bad entries skipped" in skipped.stderr
    assert "1 bad entries skipped" in harbour(data, "lists", "status").stdout
    assert (
        harbour(data, "lists", "import", "--only", "games,educational_games", str(UT1)).returncode
        == 0
    )
    status = harbour(data, "lists", "status")
    assert (
        status.returncode == 0
        and "games (35" in status.stdout
        and "educational_games" in status.stdout
    )


def test_a_locked_feed_is_imported_and_shown_as_locked(data: Path, tmp_path: Path) -> None:
    feed = tmp_path / "ctiru.txt"
    feed.write_text("# CTIRU test feed\nterror.example/propaganda\n")
    done = harbour(data, "lists", "import", "--locked", "ctiru", str(feed))
    assert done.returncode == 0, done.stderr
    assert harbour(data, "filter", "compile-policy", str(SAMPLE_POLICY)).returncode == 0
    status = harbour(data, "lists", "status").stdout
    assert "LOCKED locked-ctiru" in status
    assert (
        "not imported: adult, agressif" in status and "ctiru" not in status.split("not imported")[1]
    )
    (row,) = decide_with_policy(data, "--group", "staff", "http://terror.example/propaganda/video")
    assert (row["action"], row["reason_code"], row["rule"]) == ("block", "locked", "locked.ctiru")
