"""The quick start: ``harbour demo`` builds a working sample school from nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def harbour(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "HARBOUR_DATA_DIR", "HARBOUR_SECRET_KEY"}}
    return subprocess.run([sys.executable, "-m", "harbour", "--data", str(data), *args],
                          capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("demo")
    done = harbour(data, "demo", "--setup-only")
    assert done.returncode == 0, done.stderr[-3000:]
    return data


def test_the_demo_creates_a_school_whose_filter_follows_the_policy(demo) -> None:
    decided = harbour(demo, "filter", "decide", "--group", "pupils-ks2", "--at", "2026-11-24T10:00",
                      "https://www.roblox.com/", "https://www.bbc.co.uk/bitesize")
    roblox, bbc = (json.loads(line) for line in decided.stdout.splitlines())
    assert roblox["action"] == "block" and roblox["activity"] == "online-gaming"
    assert bbc["action"] == "allow"


def test_the_demo_week_fills_the_weekly_report(demo, tmp_path) -> None:
    out = tmp_path / "weekly.html"
    done = harbour(demo, "report", "weekly", "-o", str(out))
    assert done.returncode == 0, done.stderr
    html = out.read_text()
    assert "www.roblox.com" in html and "locked.iwf" in html and "suicide" in html


def test_the_demo_audit_chain_is_intact_and_running_it_again_changes_nothing(demo) -> None:
    assert harbour(demo, "audit", "verify").returncode == 0
    again = harbour(demo, "demo", "--setup-only")
    assert again.returncode == 0, again.stderr[-2000:]
    assert harbour(demo, "audit", "verify").returncode == 0
