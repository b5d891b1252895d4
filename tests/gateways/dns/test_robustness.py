"""Bad packets, dead upstreams and policy reloads never stop the resolver answering."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harbour.filtering import ListStore
from harbour.gateways.dns import wire
from harbour.gateways.dns.decider import EngineDecider
from harbour.gateways.dns.events import EventLog
from harbour.gateways.dns.localzone import LocalZone
from harbour.gateways.dns.resolver import Resolver, Settings
from harbour.gateways.dns.server import start_dns_in_background
from harbour.gateways.dns.spool import MemorySpool
from harbour.gateways.dns.upstream import Forwarder
from harbour.policy.snapshot import DeviceEntry, read_snapshot, write_snapshot
from tests.gateways.dns.conftest import (
    BLOCK_V4,
    PUPIL,
    RECORDS,
    STAFF,
    ask,
    register_devices,
    start,
)
from tests.paths import UT1


def raw_exchange(port: int, packet: bytes, timeout: float = 0.5) -> bytes | None:
    """Send one datagram and return the reply, or None when none comes."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(packet, ("127.0.0.1", port))
        try:
            return sock.recv(65535)
        except TimeoutError:
            return None


def test_garbage_and_responses_get_no_reply_and_the_server_keeps_answering(harbour_dns):
    assert raw_exchange(harbour_dns.port, b"\x01") is None
    response = dns.message.make_response(dns.message.make_query("a.example", "A")).to_wire()
    assert raw_exchange(harbour_dns.port, response) is None
    assert ask(harbour_dns, "www.bbc.co.uk").rcode() == dns.rcode.NOERROR


@pytest.mark.parametrize(
    "packet",
    [
        b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07exam",  # question cut short
        b"\x12\x34\x01\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01",  # two questions
        dns.message.make_query("x.example", "A").to_wire()[2:] + b"\x00" * 2 + b"junk",
    ],
    ids=["truncated-question", "two-questions", "trailing-bytes"],
)
def test_malformed_queries_are_answered_formerr_with_their_id(harbour_dns, packet):
    packet = b"\x12\x34" + packet[2:]
    reply = raw_exchange(harbour_dns.port, packet)
    assert reply is not None
    ident, flags = struct.unpack_from(">HH", reply)
    assert ident == 0x1234 and flags & wire.QR and flags & 0xF == wire.FORMERR


def test_garbage_over_tcp_closes_that_connection_only(harbour_dns):
    with socket.create_connection(("127.0.0.1", harbour_dns.port), timeout=5) as conn:
        conn.sendall(struct.pack(">H", 5) + b"\xff" * 5)
        assert conn.recv(512) == b""  # no ID to answer: the connection is closed
    with socket.create_connection(("127.0.0.1", harbour_dns.port), timeout=5) as conn:
        conn.sendall(struct.pack(">H", 13) + b"\x12\x34\x01\x00\x00\x01" + b"\x00" * 6 + b"\x07")
        reply = conn.recv(512)
        assert struct.unpack_from(">HHH", reply) == (12, 0x1234, 0x8181)  # FORMERR, ID echoed
    assert ask(harbour_dns, "bet365.com", tcp=True, source=PUPIL).answer[0][0].to_text() == BLOCK_V4


def test_zone_transfers_and_other_classes_are_refused(harbour_dns):
    assert ask(harbour_dns, "example.org", "AXFR").rcode() == dns.rcode.REFUSED
    assert ask(harbour_dns, "version.bind", "TXT", rdclass="CH").rcode() == dns.rcode.REFUSED


def test_unknown_edns_version_is_badvers(harbour_dns):
    reply = ask(harbour_dns, "www.bbc.co.uk", use_edns=1)
    assert reply.rcode() == dns.rcode.BADVERS


def test_flood_of_random_datagrams_does_not_stop_the_server(harbour_dns):
    rng = __import__("random").Random(4)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _ in range(2000):
            sock.sendto(rng.randbytes(rng.randint(0, 600)), ("127.0.0.1", harbour_dns.port))
    assert ask(harbour_dns, "bet365.com", source=PUPIL).answer[0][0].to_text() == BLOCK_V4


@pytest.fixture(scope="module")
def in_process(
    dns_data: Path, upstream: LocalZone
) -> Iterator[tuple[asyncio.AbstractEventLoop, Resolver]]:
    """The resolver without sockets on its client side, for fuzzing the packet path."""
    loop = asyncio.new_event_loop()
    forwarder = Forwarder([("127.0.0.1", upstream.port)], attempt_timeout=0.3, deadline=0.6)
    loop.run_until_complete(forwarder.start())
    resolver = Resolver(EngineDecider.open(dns_data), forwarder, EventLog(MemorySpool().append))
    yield loop, resolver
    forwarder.close()
    loop.close()


def check_reply(packet: bytes, reply: bytes | None) -> None:
    """A reply, when there is one, is a response with the query's ID and parses."""
    if reply is None:
        return
    assert reply[:2] == packet[:2]
    assert struct.unpack_from(">H", reply, 2)[0] & wire.QR
    dns.message.from_wire(reply)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(packet=st.binary(max_size=600))
def test_fuzzed_packets_get_a_well_formed_reply_or_none(in_process, packet):
    loop, resolver = in_process
    check_reply(packet, loop.run_until_complete(resolver.answer(packet, "127.0.0.2", udp=True)))


@st.composite
def mutated_queries(draw: st.DrawFn) -> bytes:
    """Real queries with a few bytes changed, cut or added: the cases that reach deep parsing."""
    name = draw(st.sampled_from(["bet365.com", "www.google.com", "www.bbc.co.uk", "a.b.c.invalid"]))
    rdtype = draw(st.sampled_from(["A", "AAAA", "TXT", "HTTPS", "MX"]))
    packet = bytearray(dns.message.make_query(name, rdtype, use_edns=draw(st.booleans())).to_wire())
    for _ in range(draw(st.integers(0, 3))):
        packet[draw(st.integers(0, len(packet) - 1))] = draw(st.integers(0, 255))
    cut = draw(st.integers(0, len(packet)))
    return bytes(packet[:cut]) + draw(st.binary(max_size=8))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(packet=mutated_queries())
def test_mutated_queries_get_a_well_formed_reply_or_none(in_process, packet):
    loop, resolver = in_process
    check_reply(packet, loop.run_until_complete(resolver.answer(packet, "127.0.0.3", udp=True)))


def test_dead_upstream_gives_servfail_within_two_seconds_and_recovery_is_automatic(dns_data):
    zone = LocalZone(RECORDS)
    port = zone.start()
    server = start(dns_data, [f"127.0.0.1:{port}"])
    try:
        zone.stop()
        began = time.monotonic()
        reply = ask(server, "first.example.net", source=STAFF)
        assert reply.rcode() == dns.rcode.SERVFAIL
        assert time.monotonic() - began < 2.5
        zone.start(port=port)
        assert ask(server, "second.example.net", source=STAFF).rcode() == dns.rcode.NOERROR
    finally:
        server.stop()
        zone.stop()


def test_while_upstreams_are_down_expired_answers_stand_in_for_servfail(dns_data):
    zone = LocalZone(RECORDS, ttl=1)
    port = zone.start()
    server = start(dns_data, [f"127.0.0.1:{port}"])
    try:
        assert ask(server, "www.bbc.co.uk", source=STAFF).answer[0].ttl == 1
        zone.stop()
        time.sleep(1.2)  # let the one-second TTL run out
        stale = ask(server, "www.bbc.co.uk", source=STAFF)
        assert stale.answer[0][0].to_text() == "151.101.0.81"
        assert stale.answer[0].ttl == 30
        assert ask(server, "never-seen.example.net", source=STAFF).rcode() == dns.rcode.SERVFAIL
    finally:
        server.stop()


def test_a_dead_first_upstream_fails_over_to_the_second(dns_data, upstream):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as hole:
        hole.bind(("127.0.0.1", 0))  # bound but never read: queries to it go unanswered
        dead = hole.getsockname()[1]
        server = start(dns_data, [f"127.0.0.1:{dead}", f"127.0.0.1:{upstream.port}"])
        try:
            reply = ask(server, "www.bbc.co.uk", source=STAFF)
            assert reply.answer[0][0].to_text() == "151.101.0.81"
            hole.setblocking(False)
            assert hole.recv(4096)  # it was asked first, and said nothing
            ask(server, "failover.example.net", source=STAFF)
            with pytest.raises(BlockingIOError):
                hole.recv(4096)  # now resting: the live upstream is asked first
        finally:
            server.stop()


def test_policy_reload_changes_answers_without_dropping_queries(tmp_path, dns_data, upstream):
    data = tmp_path / "data"
    data.mkdir()
    (data / "lists").symlink_to(dns_data / "lists")
    (data / "policy.json").write_bytes((dns_data / "policy.json").read_bytes())
    server = start(data, [f"127.0.0.1:{upstream.port}"])
    failures: list[str] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            try:
                ask(server, "www.bbc.co.uk", source=PUPIL)
            except Exception as exc:  # any timeout or error is a dropped query
                failures.append(repr(exc))

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        assert ask(server, "instagram.com", source=PUPIL).answer[0][0].to_text() == BLOCK_V4
        snapshot = read_snapshot(data / "policy.json")
        snapshot.devices = [DeviceEntry(name="pupil-chromebook-01", group="staff", ip=PUPIL)]
        write_snapshot(data / "policy.json", snapshot)
        deadline = time.monotonic() + 5
        while ask(server, "instagram.com", source=PUPIL).answer[0][0].to_text() == BLOCK_V4:
            assert time.monotonic() < deadline, "the new snapshot was not picked up"
            time.sleep(0.1)
    finally:
        stop.set()
        asker.join()
        server.stop()
    assert failures == []


def test_policy_asking_for_nxdomain_answers_blocked_names_nxdomain(tmp_path, dns_data, upstream):
    policy = tmp_path / "policy.toml"
    text = (Path(__file__).parents[3] / "examples" / "policy.toml").read_text()
    policy.write_text(text.replace('block_response = "blockpage"', 'block_response = "nxdomain"'))
    data = tmp_path / "data"
    data.mkdir()
    (data / "lists").symlink_to(dns_data / "lists")
    register_devices(data, policy)
    server = start(data, [f"127.0.0.1:{upstream.port}"])
    try:
        assert ask(server, "bet365.com", source=PUPIL).rcode() == dns.rcode.NXDOMAIN
        assert ask(server, "www.bbc.co.uk", source=PUPIL).rcode() == dns.rcode.NOERROR
    finally:
        server.stop()


def test_newly_imported_lists_take_effect_without_a_restart(tmp_path, upstream):
    data = tmp_path / "data"
    store = ListStore(data / "lists")
    store.import_categories(UT1, {"gambling"})
    register_devices(data)
    dating = next(
        line.strip()
        for line in (UT1 / "dating" / "domains").read_text().splitlines()
        if line.strip() and not line.strip().replace(".", "").isdigit()
    )
    server = start(data, [f"127.0.0.1:{upstream.port}"])
    try:
        assert ask(server, dating, source=PUPIL).answer[0][0].to_text() == "192.0.2.1"
        store.import_categories(UT1, {"gambling", "dating"})
        deadline = time.monotonic() + 5
        while ask(server, dating, source=PUPIL).answer[0][0].to_text() != BLOCK_V4:
            assert time.monotonic() < deadline, "the new lists were not picked up"
            time.sleep(0.1)
    finally:
        server.stop()


def test_ipv6_clients_are_answered_over_udp_and_tcp(dns_data, upstream):
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    settings = Settings(block_ipv4=BLOCK_V4)
    server = start_dns_in_background("[::1]:0", [f"127.0.0.1:{upstream.port}"], dns_data,
                                     settings=settings)  # fmt: skip
    try:
        for send in (dns.query.udp, dns.query.tcp):
            reply = send(
                dns.message.make_query("bet365.com", "A"), "::1", port=server.port, timeout=5
            )
            assert reply.answer[0][0].to_text() == BLOCK_V4
    finally:
        server.stop()
