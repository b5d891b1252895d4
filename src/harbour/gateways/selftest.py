"""The filter self-test: ask the live DNS resolver and Squid proxy, as each group, whether the
things that must be blocked are blocked, safe search is enforced and ordinary sites are not
over-blocked (DfE filtering standard 2: the minimum checks, recorded for the annual review).

Plain Python; the probes travel through the real gateways from a source address that the
policy maps to each group.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

from harbour.filtering.engine import FilterEngine
from harbour.filtering.safesearch import safe_host
from harbour.policy.model import Policy
from harbour.policy.snapshot import DeviceEntry

CANARY = "{feed}-canary.harbour-selftest.example"
# Candidates per check; the first one the school's own lists put in the category is probed, so
# a pass means the gateway blocked something the lists really contain.
PROBES: dict[str, tuple[str, ...]] = {
    "adult": ("pornhub.com", "xvideos.com", "xhamster.com", "youporn.com", "10putes.com", "2and2.net"),
    "bypass": ("nordvpn.com", "expressvpn.com", "hidemyass.com", "kproxy.com", "protonvpn.com"),
    "doh": ("dns.google", "cloudflare-dns.com", "mozilla.cloudflare-dns.com", "doh.opendns.com"),
}
EDUCATIONAL = ("www.bbc.co.uk", "en.wikipedia.org", "www.khanacademy.org", "www.nationalarchives.gov.uk",
               "www.gov.uk", "www.ox.ac.uk")
SAFE_SEARCH_PROBE = "www.google.com"
BLOCK_ADDRESSES = {"0.0.0.0", "127.0.0.1", "::", "::1"}
TIMEOUT = 3.0


@dataclass(frozen=True)
class Check:
    """One probe through one gateway as one group."""

    group: str
    path: str  # dns | proxy
    check: str
    target: str
    expected: str
    observed: str
    passed: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_client(text: str) -> tuple[str, str]:
    """``ADDR=GROUP`` from the command line."""
    address, sep, group = text.partition("=")
    if not sep or not group:
        raise ValueError(f"{text!r}: write the client as ADDR=GROUP, e.g. 127.0.0.2=pupils-ks2")
    ipaddress.ip_address(address)
    return address, group


def _bindable(address: str) -> bool:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


def client_addresses(policy: Policy, devices: Iterable[DeviceEntry]) -> dict[str, str]:
    """For each group, an address of this machine that the school's devices or networks map
    to that group (so the gateways treat the probes as that group's traffic)."""
    found: dict[str, str] = {}
    candidates: list[tuple[str, str]] = [(d.ip, d.group) for d in devices if d.ip]
    for network in policy.filtering.networks:
        net = ipaddress.ip_network(network.cidr, strict=False)
        candidates.append((str(next(net.hosts(), net.network_address)), network.group))
    for address, group in candidates:
        if group not in found and _bindable(address):
            found[group] = address
    return found


def pick_probe(engine: FilterEngine, candidates: Iterable[str], categories: set[str]) -> str | None:
    """The first candidate the lists in use put in one of ``categories``."""
    for host in candidates:
        if {m.category for m in engine.matcher.match_host(host)} & categories:
            return host
    return None


def _dns_answer(server: tuple[str, int], source: str, name: str) -> str:
    query = dns.message.make_query(name, dns.rdatatype.A)
    try:
        reply = dns.query.udp(query, server[0], port=server[1], timeout=TIMEOUT, source=source)
    except (dns.exception.Timeout, OSError) as exc:
        return f"no answer ({exc.__class__.__name__})"
    if reply.rcode() == dns.rcode.NXDOMAIN:
        return "blocked (NXDOMAIN)"
    cnames = [str(r.target).rstrip(".") for rrset in reply.answer if rrset.rdtype == dns.rdatatype.CNAME for r in rrset]
    addresses = [r.address for rrset in reply.answer if rrset.rdtype == dns.rdatatype.A for r in rrset]
    if cnames:
        return f"cname {cnames[0]}"
    if addresses and set(addresses) <= BLOCK_ADDRESSES:
        return f"blocked (block page {addresses[0]})"
    if reply.rcode() != dns.rcode.NOERROR:
        return f"error ({dns.rcode.to_text(reply.rcode())})"
    return f"allowed ({', '.join(addresses) or 'no records'})"


def _proxy_answer(proxy: tuple[str, int], source: str, url: str) -> str:
    connection = http.client.HTTPConnection(proxy[0], proxy[1], timeout=TIMEOUT * 3, source_address=(source, 0))
    try:
        connection.request("GET", url, headers={"Host": urlsplit(url).netloc, "User-Agent": "harbour-selftest"})
        response = connection.getresponse()
        location = response.getheader("Location", "")
        response.read()
    except OSError as exc:
        return f"no answer ({exc.__class__.__name__})"
    finally:
        connection.close()
    if response.status in (301, 302, 303, 307) and "/blocked" in location:
        return "blocked (block page)"
    if response.status in (301, 302, 303, 307) and location:
        return f"redirect {location}"
    return f"allowed (HTTP {response.status})"


def _passes(expected: str, observed: str) -> bool:
    if expected == "blocked":
        return observed.startswith("blocked")
    if expected == "allowed":
        # An allowed name may still fail upstream (no internet on a test network): not blocked is what counts.
        return not observed.startswith(("blocked", "no answer"))
    return expected in observed  # safe search: the enforced host appears in the CNAME or redirect


def plan(engine: FilterEngine, group: str) -> list[tuple[str, str, str]]:
    """The checks for one group: (check, host or URL, expected)."""
    checks: list[tuple[str, str, str]] = []
    for feed in sorted(engine.matcher.locked_categories):
        canary = CANARY.format(feed=feed)
        if not pick_probe(engine, [canary], {feed}):
            # Without its canary a blocked answer could be the upstream's NXDOMAIN: no proof.
            canary = f"(the {feed} feed has no self-test canary {canary}: re-import the feed)"
        checks.append((f"locked:{feed}", canary, "blocked"))
    for name, cats in (("adult", {"adult", "mixed_adult"}), ("bypass", {"vpn", "redirector", "strict_redirector", "strong_redirector"}), ("doh", {"doh"})):
        probe = pick_probe(engine, PROBES[name], cats)
        checks.append((name, probe or f"(no {name} probe in your lists)", "blocked"))
    target = safe_host(SAFE_SEARCH_PROBE, engine.policy.filtering.safe_search.get(group))
    if target:
        checks.append(("safe-search", SAFE_SEARCH_PROBE, target))
    for host in EDUCATIONAL[:3]:
        checks.append(("educational", host, "allowed"))
    return checks


def run(engine: FilterEngine, clients: dict[str, str], dns_server: tuple[str, int] | None = None,
        proxy: tuple[str, int] | None = None) -> list[Check]:
    """Every check for every group in ``clients``, through each gateway given."""
    results: list[Check] = []
    for group, source in sorted(clients.items()):
        for check, target, expected in plan(engine, group):
            if target.startswith("("):
                results.append(Check(group, "lists", check, target, expected, "nothing to probe with", False))
                continue
            if dns_server is not None:
                observed = _dns_answer(dns_server, source, target)
                results.append(Check(group, "dns", check, target, expected, observed, _passes(expected, observed)))
            if proxy is not None:
                safe = check == "safe-search"
                url = f"http://{target}/search?q=harbour+selftest" if safe else f"http://{target}/"
                observed = _proxy_answer(proxy, source, url)
                wanted = "safe=" if safe else expected
                results.append(Check(group, "proxy", check, target, wanted, observed, _passes(wanted, observed)))
    return results


def summary(results: list[Check], when: datetime) -> str:
    """One line for the record."""
    failed = [r for r in results if not r.passed]
    groups = len({r.group for r in results})
    if not failed:
        return f"{len(results)} checks passed for {groups} groups on {when:%d %b %Y %H:%M}"
    return f"{len(failed)} of {len(results)} checks FAILED for {groups} groups on {when:%d %b %Y %H:%M}"
