"""What the benchmarks share: measuring work done outside the benchmark's own process."""

from __future__ import annotations

import os
from pathlib import Path


def _cpu(pid: int | str, children: bool = False) -> float:
    """CPU seconds of process ``pid`` (with ``children``: also of its ended, reaped children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def server_cpu() -> float:
    """CPU seconds used so far by the whole PostgreSQL server: the postmaster, every live
    backend and background process, and every backend that has ended (the postmaster's reaped
    children), read from /proc, the server being on this machine. The ingester stores batches
    on connections of its own, so counting one backend would miss them. 0 on SQLite, whose
    work is in this process, or when the server is elsewhere. Other clients of the same server
    count too: run the benchmarks on an otherwise quiet server."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        data_directory = cursor.fetchone()[0]
    try:
        postmaster = Path(data_directory, "postmaster.pid").read_text().split()[0]
        total = _cpu(postmaster, children=True)
        for child in Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split():
            try:
                total += _cpu(child)
            except OSError:  # ended between the listing and the read
                continue
    except (OSError, IndexError, ValueError):
        return 0.0
    return total
