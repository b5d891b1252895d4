"""The worker runs every registered job, survives a broken one, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from harbour.apps.events import worker
from harbour.cli import worker_cmd
from harbour.cli.demo_cmd import demo_processes


def test_each_job_runs_and_a_failing_job_does_not_stop_the_others(db, monkeypatch) -> None:
    ran: list[str] = []

    def broken() -> None:
        ran.append("broken")
        raise RuntimeError("mail server down")

    jobs = [("broken", 60.0, broken), ("ingest", 2.0, lambda: ran.append("ingest"))]
    monkeypatch.setattr(worker, "periodic_jobs", jobs)
    assert worker.run_worker(threading.Event(), once=True) == 1
    assert ran == ["broken", "ingest"]


def test_ingest_is_registered_and_register_job_ignores_a_second_registration() -> None:
    names = [name for name, _, _ in worker.periodic_jobs]
    assert names.count("events-ingest") == 1
    worker.register_job("events-ingest", 99.0, print)
    assert [n for n, _, _ in worker.periodic_jobs].count("events-ingest") == 1


def test_the_demo_runs_the_worker() -> None:
    assert worker_cmd._demo_worker in demo_processes
    plans = worker_cmd._demo_worker(None, None)  # type: ignore[arg-type]
    assert any(label == "worker" and argv[-1] == "worker" for label, argv, _ in plans)


def test_the_worker_process_stops_cleanly_on_sigterm(tmp_path) -> None:
    env = {**os.environ, "HARBOUR_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    child = subprocess.Popen(
        [sys.executable, "-m", "harbour.cli", "worker"], env=env, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "spool" / "ingest.lock").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == 0
