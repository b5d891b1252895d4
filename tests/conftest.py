"""Test-wide setup: a private data directory, chosen before Django reads its settings."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("HARBOUR_DATA_DIR", tempfile.mkdtemp(prefix="harbour-test-"))
os.environ.setdefault("HARBOUR_SECRET_KEY", "test-secret-key-not-for-production")

pytest_plugins = ["tests.fixtures"]
pytest_plugins.append("tests.browser")
