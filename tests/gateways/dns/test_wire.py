"""The packet layer: parsing queries, reusing upstream records, ageing TTLs, truncating."""

from __future__ import annotations

import dns.message
import dns.rrset
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harbour.gateways.dns import wire
from harbour.gateways.dns.decider import Client
from harbour.gateways.dns.resolver import Prepared


def query(name: str = "WWW.Example.ORG", rdtype: str = "A", **make: object) -> bytes:
    return dns.message.make_query(name, rdtype, **make).to_wire()  # type: ignore[arg-type]


def upstream_reply(packet: bytes, ttl: int = 300) -> bytes:
    message = dns.message.from_wire(packet)
    reply = dns.message.make_response(message)
    name = message.question[0].name
    reply.answer.append(dns.rrset.from_text(name, ttl, "IN", "CNAME", "web.example.org."))
    reply.answer.append(dns.rrset.from_text("web.example.org.", ttl - 100, "IN", "A", "192.0.2.7"))
    return reply.to_wire()


def test_query_name_is_lowercased_for_keys_but_the_question_keeps_its_case():
    parsed = wire.parse_query(query())
    assert parsed.qname == b"\x03www\x07example\x03org\x00"
    assert parsed.question.startswith(b"\x03WWW\x07Example\x03ORG\x00")
    assert (parsed.qtype, parsed.qclass, parsed.edns) == (1, 1, False)


def test_edns_payload_and_do_bit_are_read_from_the_opt_record():
    parsed = wire.parse_query(query(use_edns=0, payload=4096, want_dnssec=True))
    assert parsed.edns and parsed.udp_size == 4096 and parsed.do


def test_a_response_packet_is_ignored_not_answered():
    with pytest.raises(wire.Ignore):
        wire.parse_query(upstream_reply(query()))


def test_compression_pointer_in_the_question_is_a_format_error():
    with pytest.raises(wire.FormatError):
        wire.parse_query(query()[:12] + b"\xc0\x0c\x00\x01\x00\x01")


def test_upstream_records_are_cached_for_the_smallest_answer_ttl_and_located():
    packet = query(use_edns=0)
    parsed = wire.parse_query(packet)
    records = wire.upstream_records(parsed, upstream_reply(packet))
    assert records.ttl == 200
    assert records.counts == (2, 0, 0)  # the upstream's OPT record is dropped
    assert records.ttls == (300, 200)
    rebuilt = dns.message.from_wire(wire.build_reply(parsed, records, (250, 150)))
    assert [rrset.ttl for rrset in rebuilt.answer] == [250, 150]
    assert rebuilt.question[0].name.to_text() == "WWW.Example.ORG."


def test_reply_for_a_different_question_is_rejected():
    parsed = wire.parse_query(query("a.example.org"))
    with pytest.raises(wire.FormatError):
        wire.upstream_records(parsed, upstream_reply(query("b.example.org")))


def test_negative_answers_are_cached_for_the_soa_minimum():
    packet = query("gone.example.org")
    message = dns.message.make_response(dns.message.from_wire(packet))
    message.set_rcode(3)
    soa = "ns.example.org. host.example.org. 1 3600 600 86400 30"
    message.authority.append(dns.rrset.from_text("example.org.", 900, "IN", "SOA", soa))
    records = wire.upstream_records(wire.parse_query(packet), message.to_wire())
    assert (records.rcode, records.ttl) == (wire.NXDOMAIN, 30)


def test_prepared_reply_ages_its_ttls_and_never_goes_below_zero():
    packet = query()
    parsed = wire.parse_query(packet)
    records = wire.upstream_records(parsed, upstream_reply(packet))
    reply = wire.build_reply(parsed, records, records.ttls)
    client = Client(("staff",), ("staff",))
    size = len(parsed.question)
    prepared = Prepared(reply, records, records.ttls, 1000.0, 2000.0, client, size, "")
    prepared.refresh(1090.5)
    aged = dns.message.from_wire(packet[:2] + bytes(prepared.body))
    assert [rrset.ttl for rrset in aged.answer] == [210, 110]
    prepared.refresh(1250.0)
    aged = dns.message.from_wire(packet[:2] + bytes(prepared.body))
    assert [rrset.ttl for rrset in aged.answer] == [50, 0]


def test_reply_bigger_than_the_client_accepts_is_truncated_to_the_question():
    parsed = wire.parse_query(query())
    big = wire.synthetic_records(
        0, [wire.rr(wire.QUESTION_POINTER, 16, 60, b"\xff" + b"x" * 255)] * 3, 60
    )
    reply = wire.fit_udp(parsed, wire.build_reply(parsed, big))
    message = dns.message.from_wire(reply)
    assert message.flags & wire.TC and not message.answer and len(reply) <= 512


def test_encode_name_rejects_overlong_labels():
    with pytest.raises(ValueError):
        wire.encode_name("x" * 64 + ".example.org")
    assert wire.name_text(wire.encode_name("Safe.Example.org.")) == "Safe.Example.org"


@settings(max_examples=400, deadline=None)
@given(tail=st.binary(max_size=300), flip=st.integers(0, 400), value=st.integers(0, 255))
def test_any_upstream_reply_is_either_usable_or_a_format_error(tail, flip, value):
    packet = query("a.example.org", use_edns=0)
    parsed = wire.parse_query(packet)
    reply = bytearray(upstream_reply(packet) + tail)
    if flip < len(reply):
        reply[flip] = value
    try:
        records = wire.upstream_records(parsed, bytes(reply))
    except wire.FormatError:
        return
    dns.message.from_wire(wire.build_reply(parsed, records, records.ttls))
