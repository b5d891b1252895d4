"""Paths the tests share."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE_POLICY = REPO / "examples" / "policy.toml"
SHARED = REPO.parent / "shared"
UT1 = SHARED / "lists" / "ut1"
