"""Where Harbour keeps its state: one data directory, chosen once per process."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "HARBOUR_DATA_DIR"


def data_dir() -> Path:
    """Return the data directory: ``$HARBOUR_DATA_DIR`` or ``./var``, made absolute."""
    return Path(os.environ.get(DATA_ENV) or "var").resolve()


def ensure_data_dir() -> Path:
    """Create the data directory and its standard sub-folders; return it."""
    root = data_dir()
    for sub in ("", "lists", "spool", "evidence", "reports"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return root


def policy_snapshot_path() -> Path:
    """The compiled policy snapshot the gateways read."""
    return data_dir() / "policy.json"


def lists_dir() -> Path:
    """Folder holding the compiled category lists."""
    return data_dir() / "lists"


def spool_dir() -> Path:
    """Folder holding the decision-event spool."""
    return data_dir() / "spool"


def squid_pool_socket() -> Path:
    """Where ``harbour squid-pool`` listens for Squid's helper children."""
    return data_dir() / "run" / "squid-pool.sock"
