"""A private data dir per test, with a locked (IWF-style) feed imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from harbour.filtering import ListStore

ILLEGAL = "illegal.example.net"


@pytest.fixture(autouse=True)
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HARBOUR_DATA_DIR", str(tmp_path))
    feed = tmp_path / "iwf-feed.txt"
    feed.write_text(f"# test feed\n{ILLEGAL}\n")
    ListStore(tmp_path / "lists").import_locked("iwf", feed)
    return tmp_path
