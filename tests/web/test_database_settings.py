"""The embedded database's settings: SQLite in write-ahead-log mode, every commit fsynced."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json
from harbour.cli.django_env import setup_django
setup_django(migrate=True)
from django.db import connection
with connection.cursor() as cursor:
    found = {}
    for name in ("journal_mode", "synchronous"):
        cursor.execute("PRAGMA " + name)
        found[name] = cursor.fetchone()[0]
print(json.dumps(found))
"""


def test_sqlite_lets_pages_read_while_the_worker_writes_and_keeps_each_commit(tmp_path) -> None:
    env = {**os.environ, "HARBOUR_DATA_DIR": str(tmp_path), "HARBOUR_SECRET_KEY": "test-only"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"journal_mode": "wal", "synchronous": 2}  # 2 = FULL
