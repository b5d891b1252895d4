"""Where the resolver's decision events go: the data directory's event spool."""

from __future__ import annotations

from pathlib import Path

from harbour.gateways.dns.events import BatchWriter, jsonl_writer


def spool_writer(data_dir: Path) -> BatchWriter:
    """A batch writer appending events to the shared decision-event spool of ``data_dir``."""
    spool = Path(data_dir) / "spool"
    spool.mkdir(parents=True, exist_ok=True)
    return jsonl_writer(spool / "dns-events.jsonl")
