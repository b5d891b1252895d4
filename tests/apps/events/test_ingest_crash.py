"""A real ingest process killed mid-run, then run again: every event stored exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.apps.events.test_ingest import event, spool_with

TOTAL = 6000


@contextmanager
def fresh_database(data: Path) -> Iterator[tuple[dict[str, str], object]]:
    """Environment for a child process with its own empty database, and a row counter."""
    base = os.environ.get("DATABASE_URL", "")
    env = {**os.environ, "HARBOUR_DATA_DIR": str(data)}
    if not base:
        env.pop("DATABASE_URL", None)

        def count() -> int:
            try:
                with sqlite3.connect(data / "harbour.sqlite3", timeout=30) as conn:
                    return conn.execute(
                        "select count(distinct spool_id), count(*) from events_decisionevent"
                    ).fetchone()
            except sqlite3.OperationalError:  # not migrated yet
                return (0, 0)

        yield env, count
        return
    import psycopg

    name = f"harbour_ingest_crash_{os.getpid()}"
    admin = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + "/" + name
    env["DATABASE_URL"] = url

    def count() -> tuple[int, int]:
        try:
            with psycopg.connect(url) as conn:
                return conn.execute(
                    "select count(distinct spool_id), count(*) from events_decisionevent"
                ).fetchone()
        except psycopg.errors.UndefinedTable:
            return (0, 0)

    try:
        yield env, count
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_an_ingest_killed_mid_run_and_run_again_stores_every_event_once(tmp_path) -> None:
    data = tmp_path / "data"
    spool_with(data / "spool", [event(i) for i in range(TOTAL)], rotate_bytes=400_000)
    argv = [sys.executable, "-m", "harbour.cli", "events", "ingest", "--once", "--batch", "50"]
    with fresh_database(data) as (env, count):
        child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while count()[1] == 0 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert child.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
        partial = count()
        assert 0 < partial[1] < TOTAL
        again = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
        assert count() == (TOTAL, TOTAL)
