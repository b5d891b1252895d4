"""Several workers sharing the shared jobs through a real Redis or RabbitMQ: each turn of a
shared job runs once for the whole school, every machine runs its local jobs, and a job one
worker queued can be run by another."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter

import pytest

from harbour.apps.events import worker
from harbour.apps.events.jobqueue import QueueError, RabbitQueue, RedisQueue, open_queue

REDIS_URL = "redis://127.0.0.1:6379/0"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
# How each service is started on a machine that has it installed but not running.
STARTERS = {
    6379: [
        "redis-server",
        "--daemonize",
        "yes",
        "--bind",
        "127.0.0.1",
        "--port",
        "6379",
        "--save",
        "",
        "--appendonly",
        "no",
    ],  # fmt: skip
    5672: ["rabbitmq-server", "-detached"],
}


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def find_or_start(port: int, seconds: float = 60.0) -> None:
    """Use the service on ``port``, starting it if it is installed; skip if neither works."""
    if _listening(port):
        return
    command = STARTERS[port]
    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed and nothing listens on port {port}")
    subprocess.run(command, check=False, capture_output=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _listening(port):
            time.sleep(1.0)  # RabbitMQ listens a moment before it accepts logins
            return
        time.sleep(0.5)
    pytest.skip(f"{command[0]} did not start listening on port {port}")


def two_workers(backend: str):
    """Two queues as two machines' workers would open them, on a namespace of this test's."""
    prefix = f"harbour-test-{uuid.uuid4().hex[:8]}"
    if backend == "redis":
        find_or_start(6379)
        return RedisQueue(REDIS_URL, prefix), RedisQueue(REDIS_URL, prefix)
    find_or_start(5672)
    return RabbitQueue(AMQP_URL, prefix), RabbitQueue(AMQP_URL, prefix)


def forget(queue) -> None:
    """Remove what a test left on the server (its namespace's keys or queue), then close."""
    if isinstance(queue, RedisQueue):
        for key in queue.client.scan_iter(f"{queue.prefix}:*"):
            queue.client.delete(key)
    elif queue.connection.is_open:
        queue.channel.queue_delete(queue.jobs)
    queue.close()


@pytest.fixture
def jobs(monkeypatch):
    """A shared job and a local one, counting their runs."""
    runs: Counter[str] = Counter()
    monkeypatch.setattr(
        worker,
        "periodic_jobs",
        [
            ("report", 3600.0, lambda: runs.update(["report"])),
            ("ingest", 3600.0, lambda: runs.update(["ingest"])),
        ],
    )
    monkeypatch.setattr(worker, "local_jobs", {"ingest"})
    return runs


@pytest.mark.parametrize("backend", ["redis", "rabbitmq"])
def test_a_shared_job_runs_once_a_turn_across_machines_and_local_jobs_run_on_each(
    db, jobs, backend
) -> None:
    first, second = two_workers(backend)
    try:
        worker.run_worker(threading.Event(), once=True, queue=first)
        worker.run_worker(threading.Event(), once=True, queue=second)
    finally:
        first.close()
        forget(second)
    assert jobs == Counter({"report": 1, "ingest": 2})


@pytest.mark.parametrize("backend", ["redis", "rabbitmq"])
def test_a_job_one_worker_queued_is_run_by_another(db, jobs, backend) -> None:
    first, second = two_workers(backend)
    try:
        first.put("report")
        assert second.take() == "report"
        second.done()
        assert first.take() is None and second.take() is None  # taken once, then gone
    finally:
        first.close()
        forget(second)


def test_on_rabbitmq_another_worker_schedules_once_the_scheduler_stops() -> None:
    first, second = two_workers("rabbitmq")
    try:
        assert first.claim("report", 1, 60.0)
        assert not second.claim("report", 1, 60.0)
        first.close()
        assert second.claim("report", 2, 60.0)
    finally:
        forget(second)


def test_on_redis_each_turn_is_claimed_by_one_worker_only() -> None:
    first, second = two_workers("redis")
    try:
        assert first.claim("report", 7, 60.0)
        assert not second.claim("report", 7, 60.0)
        assert second.claim("report", 8, 60.0)
    finally:
        first.close()
        forget(second)


def test_a_queue_url_of_an_unknown_kind_or_an_unreachable_server_is_refused_by_name() -> None:
    with pytest.raises(QueueError, match="HARBOUR_QUEUE_URL: unknown scheme 'kafka'"):
        open_queue("kafka://127.0.0.1:9092")
    with pytest.raises(QueueError, match="HARBOUR_QUEUE_URL: Redis is not reachable"):
        open_queue("redis://127.0.0.1:1/0")


def test_the_worker_command_refuses_a_bad_queue_url(tmp_path) -> None:
    env = {**os.environ, "HARBOUR_DATA_DIR": str(tmp_path), "HARBOUR_QUEUE_URL": "kafka://x:1"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "harbour.cli", "worker", "--once"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "HARBOUR_QUEUE_URL: unknown scheme 'kafka'" in done.stderr
