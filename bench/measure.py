"""What the benchmarks share: measuring work done outside the benchmark's own process."""

from __future__ import annotations

import os
from pathlib import Path


def server_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend, read from /proc (the
    server being on this machine); 0 on SQLite, whose work is in this process, or when the
    server is elsewhere."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
