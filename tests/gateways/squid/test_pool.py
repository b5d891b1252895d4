"""``harbour squid-pool``: helper children hand their pipes over and a forked worker answers.

The children here are started the way Squid starts them (``harbour squid-helper`` with its
standard input and output on pipes); the pool is the real command in its own process.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harbour.gateways.squid.pool import hand_off, wait_for_socket
from tests.gateways.squid.conftest import GAMBLING, PUPIL_IP
from tests.gateways.squid.squid_run import children_of

BLOCK = "http://block.test/blocked"


def _harbour(data: Path, *args: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "harbour", "--data", str(data), *args],
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )


@pytest.fixture
def pool(school: Path) -> Iterator[subprocess.Popen[str]]:
    process = _harbour(school, "squid-pool", stderr=subprocess.PIPE)
    assert wait_for_socket(school / "run" / "squid-pool.sock"), process.stderr
    yield process
    process.terminate()
    process.wait(10)


def _child(data: Path) -> subprocess.Popen[str]:
    """A helper child as Squid starts one."""
    return _harbour(
        data,
        "squid-helper",
        "--block-url",
        BLOCK,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _ask(child: subprocess.Popen[str], channel: int, url: str) -> str:
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(f"{channel} {url} {PUPIL_IP}/- - GET myip=127.0.0.1 myport=3128\n")
    child.stdin.flush()
    return child.stdout.readline()


def test_child_hands_its_pipes_to_the_pool_and_exits_while_a_worker_answers_squid(
    school: Path, pool: subprocess.Popen[str]
) -> None:
    child = _child(school)
    assert child.wait(20) == 0, child.stderr.read()  # type: ignore[union-attr]
    assert _ask(child, 1, f"http://{GAMBLING}/").startswith(f'1 OK status=302 url="{BLOCK}?')
    assert _ask(child, 2, "http://unlisted.example/") == "2 ERR\n"
    assert len(children_of(pool.pid)) == 1


def test_pool_workers_write_every_decision_to_the_event_spool(
    school: Path, pool: subprocess.Popen[str]
) -> None:
    child = _child(school)
    child.wait(20)
    _ask(child, 1, f"http://{GAMBLING}/pooled-event")
    child.stdin.close()  # type: ignore[union-attr]  # Squid lets the helper go: it flushes
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and children_of(pool.pid):
        time.sleep(0.05)
    events = [
        json.loads(line)
        for segment in (school / "spool").glob("*.jsonl")
        for line in segment.read_text().splitlines()
    ]
    pooled = [e for e in events if e["url"] == f"http://{GAMBLING}/pooled-event"]
    assert [(e["action"], e["ip"]) for e in pooled] == [("block", PUPIL_IP)]


def test_child_answers_by_itself_when_no_pool_listens_on_the_socket(school: Path) -> None:
    stale = school / "run" / "squid-pool.sock"
    stale.parent.mkdir(parents=True)
    leftover = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    leftover.bind(str(stale))  # a pool that stopped without removing its socket
    leftover.close()
    child = _child(school)
    try:
        assert _ask(child, 1, f"http://{GAMBLING}/").startswith('1 OK status=302 url="')
        assert child.poll() is None  # still the process answering
    finally:
        child.stdin.close()  # type: ignore[union-attr]
        assert child.wait(20) == 0


def test_pool_ignores_a_connection_that_brings_no_pipes_and_serves_the_next_child(
    school: Path, pool: subprocess.Popen[str]
) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as stranger:
        stranger.connect(str(school / "run" / "squid-pool.sock"))
        stranger.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert stranger.recv(64) == b""  # closed without an answer
    child = _child(school)
    assert child.wait(20) == 0
    assert _ask(child, 3, "http://unlisted.example/") == "3 ERR\n"


def test_a_second_pool_on_the_same_socket_is_refused_and_says_why(
    school: Path, pool: subprocess.Popen[str]
) -> None:
    second = _harbour(school, "squid-pool", stderr=subprocess.PIPE)
    _, err = second.communicate(timeout=20)
    assert second.returncode == 2
    assert "another pool is already listening" in err
    assert pool.poll() is None


def test_socket_is_open_to_owner_and_group_only(school: Path, pool: subprocess.Popen[str]) -> None:
    mode = (school / "run" / "squid-pool.sock").stat().st_mode & 0o777
    assert mode == 0o660


def test_hand_off_reports_no_pool_when_nothing_listens(tmp_path: Path) -> None:
    assert hand_off(tmp_path / "absent.sock", {"block_url": BLOCK}) is None
