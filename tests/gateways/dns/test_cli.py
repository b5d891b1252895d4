"""``harbour dns`` as an IT technician runs it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dns.message
import dns.query

from tests.gateways.dns.conftest import BLOCK_V4, PUPIL, STAFF


def harbour(data: Path, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "harbour", "--data", str(data), "dns", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@contextmanager
def running(data: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """``harbour dns`` on a free loopback port: (process, port); stopped with SIGTERM."""
    process = harbour(data, "--listen", "127.0.0.1:0", "--block-address", BLOCK_V4, *args)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"answering on 127\.0\.0\.1:(\d+) \(UDP and TCP\)", line)
        assert match, line
        yield process, int(match.group(1))
    finally:
        os.kill(process.pid, signal.SIGTERM)
        _, err = process.communicate(timeout=15)
        assert process.returncode == 0, err


def answer(port: int, name: str, source: str) -> list[str]:
    query = dns.message.make_query(name, "A")
    reply = dns.query.udp(query, "127.0.0.1", port=port, source=source, timeout=5)
    return [rd.to_text() for rrset in reply.answer for rd in rrset]


def worker_pids(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [int(pid) for pid in children]


def test_two_workers_share_the_port_and_stop_cleanly_on_sigterm(dns_data, upstream):
    with running(dns_data, "--upstream", f"127.0.0.1:{upstream.port}", "--workers", "2") as (
        process,
        port,
    ):
        assert len(worker_pids(process.pid)) == 2
        for _ in range(10):  # from fresh source ports, so both workers are likely to serve
            assert answer(port, "tiktok.com", PUPIL) == [BLOCK_V4]
            assert answer(port, "tiktok.com", STAFF) == ["192.0.2.1"]


def test_a_worker_that_dies_is_replaced_and_queries_keep_being_answered(dns_data, upstream):
    with running(dns_data, "--upstream", f"127.0.0.1:{upstream.port}", "--workers", "2") as (
        process,
        port,
    ):
        assert answer(port, "tiktok.com", PUPIL) == [BLOCK_V4]
        first = worker_pids(process.pid)
        os.kill(first[0], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while not set(worker_pids(process.pid)) - set(first):
            assert time.monotonic() < deadline, "the dead worker was not replaced"
            time.sleep(0.1)
        for _ in range(10):
            assert answer(port, "tiktok.com", STAFF) == ["192.0.2.1"]


def test_demo_mode_serves_the_sample_zone_and_filters_a_named_address_as_a_pupil(dns_data):
    with running(dns_data, "--upstream", "sample", "--client", "127.0.0.9=pupils-ks2") as (
        _,
        port,
    ):
        assert answer(port, "tiktok.com", "127.0.0.9") == [BLOCK_V4]
        assert answer(port, "www.google.com", "127.0.0.9") == [
            "forcesafesearch.google.com.",
            "216.239.38.120",
        ]


def test_bad_upstream_is_refused_with_a_clear_message(dns_data):
    process = harbour(dns_data, "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:fifty")
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "'127.0.0.1:fifty': port 'fifty' is not a number" in err


def test_client_mapped_to_an_unknown_group_is_refused(dns_data):
    process = harbour(dns_data, "--upstream", "sample", "--client", "127.0.0.9=year-12")
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "unknown group 'year-12'" in err


def test_missing_policy_snapshot_is_reported_before_listening(tmp_path):
    process = harbour(tmp_path, "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:53")
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "no policy snapshot" in err
