"""Through the real Squid helper process: a new teacher is sent to the block page for social
media until they sign the staff agreement, and let through seconds after, without a restart."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from harbour.apps.policies.service import current_policy, write_gateway_snapshot
from harbour.apps.registers import aup
from tests.apps.registers.conftest import SOCIAL_SITE, staff_member

pytestmark = pytest.mark.django_db
BLOCK = "http://block.test/blocked"


def ask(helper: subprocess.Popen[bytes], channel: int) -> str:
    assert helper.stdin is not None and helper.stdout is not None
    helper.stdin.write(f"{channel} http://{SOCIAL_SITE}/feed 10.20.0.7/- bob GET\n".encode())
    helper.stdin.flush()
    return helper.stdout.readline().decode()


def test_the_squid_helper_lets_a_teacher_through_seconds_after_they_sign(school, data_dir) -> None:
    bob = staff_member()
    write_gateway_snapshot()
    argv = [
        sys.executable,
        "-m",
        "harbour",
        "--data",
        str(data_dir),
        "squid-helper",
        "--block-url",
        BLOCK,
    ]
    helper = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        before = ask(helper, 1)
        assert before.startswith(f'1 OK status=302 url="{BLOCK}?'), before

        aup.sign(bob, "staff", current_policy(), "bob")

        deadline, channel, reply = time.monotonic() + 15, 2, ""
        while time.monotonic() < deadline:
            reply = ask(helper, channel)
            if "status=302" not in reply:
                break
            channel += 1
            time.sleep(0.2)
        assert reply == f"{channel} ERR\n", "still blocked after signing"  # ERR: pass unchanged
    finally:
        helper.stdin.close()  # type: ignore[union-attr]
        helper.wait(timeout=10)
