"""Pupils and staff asking the same names get the answers the policy gives their group."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import dns.flags
import dns.rcode
import dns.resolver
import pytest

from harbour.events.record import decision_event
from harbour.filtering import FilterEngine
from tests.gateways.dns.conftest import (
    BLOCK_V4,
    BLOCK_V6,
    PUPIL,
    STAFF,
    VISITOR,
    ask,
    dig,
    resolver_for,
)


def addresses(message) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(rd.to_text() for rrset in message.answer for rd in rrset)


def test_pupil_is_sent_to_the_block_page_for_social_media_that_staff_can_reach(harbour_dns):
    stub = resolver_for(harbour_dns)
    pupil = stub.resolve("instagram.com", "A", source=PUPIL)
    staff = stub.resolve("instagram.com", "A", source=STAFF)
    assert [r.to_text() for r in pupil] == [BLOCK_V4]
    assert [r.to_text() for r in staff] == ["157.240.1.174"]


def test_dig_shows_the_same_difference_between_pupil_and_staff(harbour_dns):
    assert dig(harbour_dns, "+short", "tiktok.com", source=PUPIL).split() == [BLOCK_V4]
    assert dig(harbour_dns, "+short", "tiktok.com", source=STAFF).split() == ["192.0.2.1"]


def test_blocked_name_answers_aaaa_with_the_block_page_ipv6_address(harbour_dns):
    reply = ask(harbour_dns, "instagram.com", "AAAA", source=PUPIL)
    assert addresses(reply) == [BLOCK_V6]


def test_gambling_is_blocked_for_everyone_including_staff(harbour_dns):
    for source in (PUPIL, STAFF, VISITOR):
        assert addresses(ask(harbour_dns, "bet365.com", source=source)) == [BLOCK_V4]


def test_pupil_search_on_google_is_rewritten_to_forcesafesearch(harbour_dns):
    out = dig(harbour_dns, "www.google.com", source=PUPIL)
    assert "www.google.com.\t\t300\tIN\tCNAME\tforcesafesearch.google.com." in out
    assert "forcesafesearch.google.com. 300\tIN\tA\t216.239.38.120" in out
    stub = resolver_for(harbour_dns)
    answer = stub.resolve("www.google.com", "A", source=PUPIL)
    assert answer.canonical_name.to_text() == "forcesafesearch.google.com."
    assert [r.to_text() for r in answer] == ["216.239.38.120"]


def test_pupil_bing_is_strict_and_youtube_is_only_for_digital_leaders(harbour_dns):
    bing = ask(harbour_dns, "www.bing.com", source=PUPIL)
    assert cname_target(bing) == "strict.bing.com."
    assert addresses(ask(harbour_dns, "www.youtube.com", source=PUPIL)) == [BLOCK_V4]


def cname_target(message) -> str:  # type: ignore[no-untyped-def]
    return next(iter(message.answer[0])).target.to_text()


def test_staff_search_is_not_rewritten(harbour_dns):
    reply = ask(harbour_dns, "www.google.com", source=STAFF)
    assert addresses(reply) == ["142.250.180.4"]


def test_safe_search_rewrite_also_covers_ipv6_lookups(harbour_dns):
    reply = ask(harbour_dns, "www.google.com", "AAAA", source=PUPIL)
    assert addresses(reply) == ["2001:4860:4802:32::78", "forcesafesearch.google.com."]


@pytest.mark.parametrize(
    "name", ["use-application-dns.net", "mask.icloud.com", "mask-h2.icloud.com"]
)
def test_canary_and_private_relay_names_do_not_exist_for_anyone(harbour_dns, name):
    for source in (PUPIL, STAFF):
        assert ask(harbour_dns, name, source=source).rcode() == dns.rcode.NXDOMAIN


@pytest.mark.parametrize("name", ["dns.google", "01usevpn.website"], ids=["doh", "vpn"])
def test_dns_over_https_and_vpn_endpoints_are_blocked_as_filter_bypass(harbour_dns, name):
    assert addresses(ask(harbour_dns, name, source=STAFF)) == [BLOCK_V4]


def test_allowed_names_are_forwarded_with_their_cname_chain(harbour_dns):
    reply = ask(harbour_dns, "alias.example.org", source=PUPIL)
    assert addresses(reply) == ["151.101.0.81", "www.bbc.co.uk."]
    assert reply.rcode() == dns.rcode.NOERROR


def test_nonexistent_names_are_nxdomain_from_the_upstream(harbour_dns):
    with pytest.raises(dns.resolver.NXDOMAIN):
        resolver_for(harbour_dns).resolve("nothing.invalid", "A", source=STAFF)


def test_every_answer_is_a_decision_event_with_client_device_and_reason(harbour_dns, dns_data):
    ask(harbour_dns, "unibet.com", source=PUPIL)
    event = wait_for_event(dns_data, lambda e: e["host"] == "unibet.com" and e["ip"] == PUPIL)
    assert event["device"] == "pupil-chromebook-01"
    assert event["group"] == "pupils-ks2"
    assert event["action"] == "block"
    assert event["qtype"] == "A"
    assert "gambling" in event["categories"]
    assert event["rule"].startswith("activities.gambling")
    assert event["reason"]
    assert event["source"] == "dns"
    assert event["policy_version"]
    assert event["url"] == event["host"] == "unibet.com"


def test_dns_events_carry_every_field_of_the_shared_decision_event(harbour_dns, dns_data):
    engine = FilterEngine.open(dns_data)
    who = engine.who_for_ip(STAFF)
    shared = decision_event(engine.decide_host(who, "bet365.com"), who, datetime.now(UTC), "dns")
    ask(harbour_dns, "bet365.com", source=STAFF)
    event = wait_for_event(dns_data, lambda e: e["host"] == "bet365.com" and e["ip"] == STAFF)
    assert set(shared) <= set(event)
    assert {k: event[k] for k in ("group", "device", "action", "rule", "reason_code")} == {
        k: shared[k] for k in ("group", "device", "action", "rule", "reason_code")
    }
    assert datetime.fromisoformat(event["time"]).tzinfo is not None


def wait_for_event(data: Path, match, timeout: float = 5.0) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """The first spooled DNS event ``match`` accepts, waiting for the writer thread."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for path in sorted((data / "spool").glob("*")):
            if path.is_file():
                for line in path.read_text(encoding="utf-8").splitlines():
                    event = json.loads(line)
                    if match(event):
                        return event
        time.sleep(0.1)
    raise AssertionError("no matching decision event was spooled")


def test_udp_reply_too_big_for_the_client_is_truncated_and_dig_retries_over_tcp(
    harbour_dns, upstream
):
    asked_over_tcp = upstream.tcp_queries
    plain = dig(harbour_dns, "+notcp", "+ignore", "+bufsize=1232", "big.example.org", "TXT")
    assert " tc " in plain.split("flags:")[1].split(";")[0] + " "
    full = dig(harbour_dns, "+bufsize=1232", "big.example.org", "TXT")
    assert "Truncated, retrying in TCP mode" in full
    assert full.count("\tTXT\t") == 12
    assert upstream.tcp_queries > asked_over_tcp  # Harbour itself fell back to TCP upstream


def test_tcp_queries_are_answered_too(harbour_dns):
    reply = ask(harbour_dns, "bet365.com", tcp=True, source=PUPIL)
    assert addresses(reply) == [BLOCK_V4]


def test_edns_clients_get_an_opt_record_and_plain_clients_do_not(harbour_dns):
    with_edns = ask(harbour_dns, "www.bbc.co.uk", use_edns=0)
    without = ask(harbour_dns, "www.bbc.co.uk", use_edns=False)
    assert with_edns.edns == 0 and with_edns.payload == 1232
    assert without.edns == -1
    assert addresses(with_edns) == addresses(without) == ["151.101.0.81"]


def test_reply_echoes_the_letter_case_the_client_used(harbour_dns):
    reply = ask(harbour_dns, "WwW.BbC.Co.Uk")
    assert reply.question[0].name.to_text() == "WwW.BbC.Co.Uk."
    assert reply.flags & dns.flags.RA


def test_unknown_client_is_filtered_as_a_visitor_with_moderate_youtube(harbour_dns):
    reply = ask(harbour_dns, "www.youtube.com", source=VISITOR)
    assert cname_target(reply) == "restrictmoderate.youtube.com."
