"""Test-wide setup: a private data directory, chosen before Django reads its settings."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HARBOUR_DATA_DIR", tempfile.mkdtemp(prefix="harbour-test-"))
os.environ.setdefault("HARBOUR_SECRET_KEY", "test-secret-key-not-for-production")

pytest_plugins = ["tests.fixtures"]
pytest_plugins.append("tests.browser")


def _stale_native_modules() -> list[str]:
    """Compiled modules (setup.py) older than their source: they would be tested instead."""
    source = Path(__file__).resolve().parent.parent / "src"
    return sorted(
        str(native.relative_to(source))
        for native in source.rglob("*.so")
        if (py := native.with_name(native.name.split(".", 1)[0] + ".py")).exists()
        and py.stat().st_mtime > native.stat().st_mtime
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to test compiled modules that no longer match their source."""
    stale = _stale_native_modules()
    if stale:
        pytest.exit(
            "compiled modules are older than their source, run scripts/bootstrap to build "
            f"them again: {', '.join(stale)}",
            returncode=2,
        )
