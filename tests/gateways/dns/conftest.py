"""A school data dir, a local upstream DNS server and Harbour's resolver, all on loopback.

Clients are told apart by source address: 127.0.0.2 is a pupil's Chromebook (pupils-ks2),
127.0.0.3 a member of staff's laptop (staff); anything else is an unknown (visitor) device.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.query
import dns.resolver
import pytest

from harbour.filtering import ListStore, compile_policy
from harbour.gateways.dns.localzone import LocalZone
from harbour.gateways.dns.resolver import Settings
from harbour.gateways.dns.server import BackgroundDns, start_dns_in_background
from harbour.policy.snapshot import DeviceEntry, read_snapshot, write_snapshot
from tests.paths import SAMPLE_POLICY, UT1

PUPIL = "127.0.0.2"
STAFF = "127.0.0.3"
VISITOR = "127.0.0.4"
BLOCK_V4 = "192.0.2.80"
BLOCK_V6 = "2001:db8::80"
CATEGORIES = {"gambling", "social_networks", "doh", "vpn", "audio-video", "games"}

# What the pretend Internet holds (everything else resolves to 192.0.2.1).
RECORDS = {
    "forcesafesearch.google.com": {"A": ["216.239.38.120"], "AAAA": ["2001:4860:4802:32::78"]},
    "www.google.com": {"A": ["142.250.180.4"]},
    "strict.bing.com": {"A": ["204.79.197.220"]},
    "restrict.youtube.com": {"A": ["216.239.38.120"]},
    "www.youtube.com": {"A": ["142.250.180.14"]},
    "www.bbc.co.uk": {"A": ["151.101.0.81"], "AAAA": ["2a04:4e42::81"]},
    "instagram.com": {"A": ["157.240.1.174"]},
    "alias.example.org": {"CNAME": ["www.bbc.co.uk."]},
    "big.example.org": {"TXT": [f'"{"x" * 200} {n}"' for n in range(12)]},
}


@pytest.fixture(scope="session")
def dns_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample policy with two registered devices, and the categories the tests use."""
    if not (UT1 / "gambling" / "domains").is_file():
        pytest.skip(f"the UT1 lists are not at {UT1}")
    data = tmp_path_factory.mktemp("dns-school")
    ListStore(data / "lists").import_categories(UT1, CATEGORIES)
    register_devices(data)
    return data


def register_devices(data: Path, policy: Path = SAMPLE_POLICY) -> None:
    """Compile ``policy`` into ``data`` with the pupil and staff test devices registered."""
    path = compile_policy(policy, data)
    snapshot = read_snapshot(path)
    snapshot.devices = [
        DeviceEntry(name="pupil-chromebook-01", group="pupils-ks2", ip=PUPIL),
        DeviceEntry(name="staff-laptop-01", group="staff", ip=STAFF),
    ]
    write_snapshot(path, snapshot)


@pytest.fixture(scope="session")
def upstream() -> Iterator[LocalZone]:
    zone = LocalZone(RECORDS)
    zone.start()
    yield zone
    zone.stop()


def start(data: Path, upstreams: list[str], **settings: object) -> BackgroundDns:
    """Harbour's resolver on a free loopback port."""
    merged = {"block_ipv4": BLOCK_V4, "block_ipv6": BLOCK_V6, **settings}
    return start_dns_in_background("127.0.0.1:0", upstreams, data, settings=Settings(**merged))  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def harbour_dns(dns_data: Path, upstream: LocalZone) -> Iterator[BackgroundDns]:
    server = start(dns_data, [f"127.0.0.1:{upstream.port}"])
    yield server
    server.stop()


def ask(server: BackgroundDns, name: str, rdtype: str = "A", source: str = VISITOR,
        tcp: bool = False, **make: object) -> dns.message.Message:  # fmt: skip
    """One query from ``source`` with dnspython's low-level API."""
    query = dns.message.make_query(name, rdtype, **make)  # type: ignore[arg-type]
    send = dns.query.tcp if tcp else dns.query.udp
    return send(query, "127.0.0.1", port=server.port, source=source, timeout=5)


def resolver_for(server: BackgroundDns) -> dns.resolver.Resolver:
    """dnspython's stub resolver pointed at Harbour."""
    stub = dns.resolver.Resolver(configure=False)
    stub.nameservers = ["127.0.0.1"]
    stub.port = server.port
    stub.lifetime = 5
    return stub


def dig(server: BackgroundDns, *args: str, source: str = VISITOR) -> str:
    """Run the real ``dig`` against Harbour and return its output."""
    if shutil.which("dig") is None:
        pytest.skip("dig is not installed (Debian package dnsutils)")
    command = ["dig", "-p", str(server.port), "@127.0.0.1", "-b", source, "+tries=1", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=20, check=True).stdout
