"""Squid end to end: real HTTP requests through a real Squid whose URL rewriter is Harbour.

Squid runs on an ephemeral loopback port with deploy/squid/harbour.conf as shipped (only the
helper's paths and the block-page host changed), so ``harbour squid-helper`` answers for eight
children with concurrency; its hosts file points a real gambling domain from the UT1 lists and
an unlisted name at a local origin server. The client at 127.0.0.1 is a registered pupil
device, so the sample policy's pupil rules apply.
"""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from harbour.filtering import FilterEngine, ListStore, compile_policy
from harbour.policy.snapshot import DeviceEntry, Override, read_snapshot, write_snapshot
from tests.gateways.squid.squid_run import (
    RunningSquid,
    children_of,
    cmdline,
    deployed_fragment,
    find_squid,
    hand_to_squid_user,
    helper_command,
    start_pool,
    start_squid,
)
from tests.paths import SAMPLE_POLICY, UT1

BLOCK_URL = "http://block.harbour.test/blocked"
ALLOWED_HOST = "library.harbour.test"
PUPIL_DEVICE = "ks2-laptop-07"


class _Origin(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        body = f"origin page {self.headers['Host']}{self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Proxy:
    squid: RunningSquid
    data: Path
    origin_port: int
    gambling_host: str
    pool: subprocess.Popen[bytes] | None = None

    def get(self, host: str, path: str = "/") -> http.client.HTTPResponse:
        """GET http://host:origin/path through Squid; the response is read."""
        connection = http.client.HTTPConnection("127.0.0.1", self.squid.port, timeout=10)
        connection.request("GET", f"http://{host}:{self.origin_port}{path}")
        response = connection.getresponse()
        response.body = response.read()  # type: ignore[attr-defined]
        connection.close()
        return response


def _gambling_host(data: Path) -> str:
    """A gambling domain from the real UT1 list that is in no other imported category."""
    matcher = FilterEngine.open(data).matcher
    with open(UT1 / "gambling" / "domains", encoding="utf-8") as handle:
        for line in handle:
            name = line.strip()
            if name.replace(".", "").isdigit() or not name:
                continue  # IP literals and blank lines
            if {m.category for m in matcher.match_host(name)} == {"gambling"}:
                return name
    raise AssertionError("no gambling-only domain in the UT1 list")


@pytest.fixture(scope="module", params=["children-alone", "children-in-pool"])
def proxy(request: pytest.FixtureRequest) -> Iterator[Proxy]:
    squid = find_squid()
    if squid is None:
        pytest.skip("squid is not installed (apt-get install squid): end-to-end test skipped")
    if not (UT1 / "gambling" / "domains").is_file():
        pytest.skip(f"the UT1 lists are not at {UT1}")
    folder = Path(tempfile.mkdtemp(prefix="harbour-squid-"))  # the Squid user must reach it
    data = folder / "data"
    helper, problem = helper_command(data, BLOCK_URL)
    if problem:
        shutil.rmtree(folder)
        pytest.skip(f"cannot run the helper under Squid here: {problem}")
    ListStore(data / "lists").import_categories(UT1, {"gambling"})
    compile_policy(SAMPLE_POLICY, data)
    snapshot = read_snapshot(data / "policy.json")
    snapshot.devices.append(DeviceEntry(name=PUPIL_DEVICE, group="pupils-ks2", ip="127.0.0.1"))
    write_snapshot(data / "policy.json", snapshot)
    gambling = _gambling_host(data)
    origin = ThreadingHTTPServer(("127.0.0.1", 0), _Origin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    running = None
    pool = start_pool(data) if request.param == "children-in-pool" else None
    try:
        hosts = {gambling: "127.0.0.1", ALLOWED_HOST: "127.0.0.1"}
        fragment = deployed_fragment(helper, urlsplit(BLOCK_URL).hostname)
        running = start_squid(squid, folder, hosts, fragment)
        yield Proxy(running, data, origin.server_address[1], gambling, pool)
    finally:
        if running is not None:
            running.stop()
        if pool is not None:
            pool.terminate()
            pool.wait(10)
        origin.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


def _spool_events(data: Path) -> list[dict]:
    events = []
    for segment in sorted((data / "spool").glob("*.jsonl")):
        events += [json.loads(line) for line in segment.read_text().splitlines() if line]
    return events


def test_unlisted_site_is_served_by_the_origin_through_squid(proxy: Proxy) -> None:
    response = proxy.get(ALLOWED_HOST, "/books?page=2")
    assert response.status == 200, proxy.squid.log()[-2000:]
    assert response.body == f"origin page {ALLOWED_HOST}:{proxy.origin_port}/books?page=2".encode()


def test_pupil_device_is_redirected_to_the_block_page_for_a_gambling_site(proxy: Proxy) -> None:
    response = proxy.get(proxy.gambling_host, "/casino")
    assert response.status == 302, proxy.squid.log()[-2000:]
    location = urlsplit(response.getheader("Location"))
    assert f"{location.scheme}://{location.netloc}{location.path}" == BLOCK_URL
    query = parse_qs(location.query)
    assert query["url"] == [f"http://{proxy.gambling_host}:{proxy.origin_port}/casino"]
    assert query["category"] == ["gambling"]
    assert query["rule"] == ["activities.gambling:all"]
    assert "gambling" in query["reason"][0].lower()


def test_every_decision_reaches_the_event_spool_with_device_and_address(proxy: Proxy) -> None:
    proxy.get(proxy.gambling_host, "/spooled")
    wanted = f"http://{proxy.gambling_host}:{proxy.origin_port}/spooled"
    deadline = time.monotonic() + 5
    found = []
    while not found and time.monotonic() < deadline:
        found = [e for e in _spool_events(proxy.data) if e["url"] == wanted]
        time.sleep(0.1)
    assert found, "the blocked request never reached the spool"
    event = found[0]
    assert (event["device"], event["ip"], event["group"]) == (
        PUPIL_DEVICE,
        "127.0.0.1",
        "pupils-ks2",
    )
    assert (event["action"], event["categories"], event["source"]) == (
        "block",
        ["gambling"],
        "proxy",
    )


def test_https_connect_to_a_gambling_site_gets_the_block_page_not_a_tunnel(proxy: Proxy) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", proxy.squid.port, timeout=10)
    connection.request("CONNECT", f"{proxy.gambling_host}:443")
    response = connection.getresponse()
    connection.close()
    assert response.status == 302
    assert response.getheader("Location").startswith(
        f"{BLOCK_URL}?url=https://{proxy.gambling_host}/"
    )


def test_approved_override_lets_the_site_through_without_restarting_squid(proxy: Proxy) -> None:
    assert proxy.get(proxy.gambling_host, "/lesson").status == 302
    now = datetime.now(UTC)
    snapshot = read_snapshot(proxy.data / "policy.json")
    override = Override(
        id=41,
        target=f"domain:{proxy.gambling_host}",
        groups=("pupils-ks2",),
        starts=(now - timedelta(minutes=1)).isoformat(),
        expires=(now + timedelta(hours=1)).isoformat(),
        reason="Year 6 maths lesson on probability",
    )
    write_snapshot(proxy.data / "policy.json", replace(snapshot, overrides=[override]))
    hand_to_squid_user(proxy.data)
    deadline = time.monotonic() + 15
    response = proxy.get(proxy.gambling_host, "/lesson")
    while response.status != 200 and time.monotonic() < deadline:
        time.sleep(0.25)
        response = proxy.get(proxy.gambling_host, "/lesson")
    assert response.status == 200, proxy.squid.log()[-2000:]
    assert response.body.startswith(b"origin page")
    assert proxy.squid.process.poll() is None  # the same Squid, never restarted


def test_children_answer_squid_themselves_unless_a_pool_runs_then_its_workers_do(
    proxy: Proxy,
) -> None:
    assert proxy.get(ALLOWED_HOST, "/who-answers").status == 200, proxy.squid.log()[-2000:]
    helpers = [p for p in children_of(proxy.squid.process.pid) if "squid-helper" in cmdline(p)]
    if proxy.pool is None:
        assert helpers, "Squid's own helper children should be running"
    else:
        assert children_of(proxy.pool.pid), "no pool worker answers Squid"
        assert helpers == [], "helper children should hand their pipes over and exit"
