"""Answering one query: who is asking, what the policy says, and what to reply.

Three caches keep the common case cheap:

* ``clients``: client address -> :class:`Client` (device register, network ranges);
* ``verdicts``: (client key, name) -> decision, until the end of the current minute (time
  windows are whole minutes), or until the engine reloads;
* ``answers``: upstream records per (name, type, class, DO bit), aged and expired by TTL;

and a fourth, ``prepared``, holds finished UDP replies keyed by (client key, query bytes after
the ID), so a repeated query is answered by one dictionary lookup and a two-byte splice.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import logging
import struct
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import dns.message
import dns.rdataclass

from harbour.gateways.dns import wire
from harbour.gateways.dns.decider import Client, Decider, DnsVerdict
from harbour.gateways.dns.events import EventSink
from harbour.gateways.dns.upstream import Forwarder, UpstreamError

log = logging.getLogger(__name__)

_ALLOW_ROOT = DnsVerdict("allow", "forward", "the root name is not filtered", "DEFAULT")
_ENGINE_ERROR = DnsVerdict("block", "servfail", "the filtering engine failed", "ERROR")
_UNANSWERED = DnsVerdict("allow", "servfail", "no upstream resolver answered", "UPSTREAM")
_pack_ttl = struct.Struct(">I").pack_into


@dataclass
class Settings:
    """How blocked and rewritten names are answered, and how big the caches may grow."""

    block_ipv4: str | None = "0.0.0.0"
    block_ipv6: str | None = None  # no address: blocked AAAA queries get an empty answer
    block_ttl: int = 10  # short, so that an approved unblock reaches devices quickly
    rewrite_ttl: int = 300
    max_entries: int = 200_000
    max_pending: int = 5_000  # queries waiting on upstreams; beyond this, SERVFAIL at once


class Prepared:
    """A finished UDP reply (without its ID) that ages its TTLs in place."""

    __slots__ = ("body", "offsets", "ttls", "born", "age", "expires", "client", "host", "qtype",
                 "verdict")  # fmt: skip

    def __init__(self, reply: bytes, records: wire.Records | None, ttls: tuple[int, ...],
                 now: float, expires: float, client: Client, query: wire.Query,
                 host: str, verdict: DnsVerdict) -> None:  # fmt: skip
        self.body = bytearray(reply[2:])
        shift = 10 + len(query.question)  # header (less the ID) and question precede the data
        truncated = records is None or len(reply) < 12 + len(query.question) + len(records.data)
        self.offsets = () if truncated else tuple(o + shift for o in records.ttl_offsets)
        self.ttls = ttls
        self.born = now
        self.age = 0
        self.expires = expires
        self.client = client
        self.host = host
        self.qtype = query.qtype
        self.verdict = verdict

    def refresh(self, now: float) -> None:
        """Rewrite the TTLs for the time elapsed since the reply was made."""
        age = int(now - self.born)
        if age != self.age:
            for offset, ttl in zip(self.offsets, self.ttls, strict=True):
                _pack_ttl(self.body, offset, ttl - age if ttl > age else 0)
            self.age = age


class Resolver:
    """The policy-aware caching forwarder behind the UDP and TCP listeners."""

    def __init__(self, decider: Decider, forwarder: Forwarder, sink: EventSink,
                 settings: Settings | None = None) -> None:  # fmt: skip
        self.decider = decider
        self.forwarder = forwarder
        self.sink = sink
        self.settings = settings or Settings()
        s = self.settings
        self._v4 = ipaddress.IPv4Address(s.block_ipv4).packed if s.block_ipv4 else None
        self._v6 = ipaddress.IPv6Address(s.block_ipv6).packed if s.block_ipv6 else None
        self.clients: dict[str, Client] = {}
        self.verdicts: dict[tuple[object, bytes], tuple[DnsVerdict, str, float]] = {}
        self.answers: dict[tuple[bytes, int, int, bool], tuple[wire.Records, float]] = {}
        self.prepared: dict[tuple[object, bytes], Prepared] = {}
        self._inflight: dict[tuple[bytes, int, int, bool], asyncio.Future[wire.Records]] = {}
        self.pending = 0
        self.stats = {"queries": 0, "fast": 0, "servfail": 0, "formerr": 0, "dropped": 0}

    # -- the fast path -------------------------------------------------------------------------

    def fast_reply(self, data: bytes, ip: str, now: float, wall: float) -> bytes | None:
        """The prepared reply for a repeated UDP query, or None to take the full path."""
        client = self.clients.get(ip)
        if client is None:
            return None
        prepared = self.prepared.get((client.key, data[2:]))
        if prepared is None or now >= prepared.expires or prepared.client is not client:
            return None
        if prepared.offsets:
            prepared.refresh(now)
        self.sink.add((wall, ip, client, prepared.host, prepared.qtype, prepared.verdict))
        return data[:2] + prepared.body

    def forget_policy(self) -> None:
        """Drop everything derived from the policy (after the engine reloads)."""
        self.clients = {}
        self.verdicts = {}
        self.prepared = {}

    # -- the full path -------------------------------------------------------------------------

    async def answer(self, data: bytes, ip: str, udp: bool) -> bytes | None:
        """Answer one query packet from ``ip``; None when the packet deserves no reply."""
        self.stats["queries"] += 1
        try:
            query = wire.parse_query(data)
        except wire.Ignore:
            self.stats["dropped"] += 1
            return None
        except wire.FormatError:
            self.stats["formerr"] += 1
            return wire.error_reply(data, wire.FORMERR)
        refusal = _refusal(query)
        if refusal is not None:
            return wire.question_reply(query, refusal)
        now = time.monotonic()
        client = self._client(ip)
        verdict, host, decided_until = self._verdict(client, query.qname, now)
        if verdict.response == "servfail":
            return self._servfail(query, ip, client, host, verdict)
        if self.pending >= self.settings.max_pending:
            return self._servfail(query, ip, client, host, _UNANSWERED)
        self.pending += 1
        try:
            records, ttls, expires = await self._records(query, verdict, now)
        except UpstreamError as exc:
            log.warning("SERVFAIL for %s: %s", host, exc)
            return self._servfail(query, ip, client, host, _UNANSWERED)
        finally:
            self.pending -= 1
        reply = wire.build_reply(query, records, ttls)
        if udp:
            reply = wire.fit_udp(query, reply)
            expires = min(expires, decided_until)
            if expires > now:
                self._prepare(
                    query, data, reply, records, ttls, now, expires, client, host, verdict
                )
        self.sink.add((time.time(), ip, client, host, query.qtype, verdict))
        return reply

    def _servfail(self, query: wire.Query, ip: str, client: Client, host: str,
                  verdict: DnsVerdict) -> bytes:  # fmt: skip
        self.stats["servfail"] += 1
        self.sink.add((time.time(), ip, client, host, query.qtype, verdict))
        return wire.question_reply(query, wire.SERVFAIL)

    def _prepare(self, query: wire.Query, data: bytes, reply: bytes, records: wire.Records,
                 ttls: tuple[int, ...], now: float, expires: float, client: Client, host: str,
                 verdict: DnsVerdict) -> None:  # fmt: skip
        if len(self.prepared) >= self.settings.max_entries:
            _evict_oldest(self.prepared)
        self.prepared[(client.key, data[2:])] = Prepared(
            reply, records, ttls, now, expires, client, query, host, verdict
        )

    def _client(self, ip: str) -> Client:
        client = self.clients.get(ip)
        if client is None:
            if len(self.clients) >= 65536:
                self.clients = {}
            client = self.clients[ip] = self.decider.client(ip)
        return client

    def _verdict(self, client: Client, qname: bytes, now: float) -> tuple[DnsVerdict, str, float]:
        key = (client.key, qname)
        cached = self.verdicts.get(key)
        if cached is not None and now < cached[2]:
            return cached
        host = wire.name_text(qname)
        wall = time.time()
        try:
            verdict = (
                self.decider.decide(client, host, datetime.fromtimestamp(wall, UTC))
                if host
                else _ALLOW_ROOT
            )
        except Exception:
            log.exception("the filtering engine failed on %r", host)
            verdict = _ENGINE_ERROR
        until = now + (60.0 - wall % 60.0)  # decisions hold for the rest of the minute
        if len(self.verdicts) >= self.settings.max_entries:
            _evict_oldest(self.verdicts)
        self.verdicts[key] = result = (verdict, host, until)
        return result

    async def _records(self, query: wire.Query, verdict: DnsVerdict, now: float
                       ) -> tuple[wire.Records, tuple[int, ...], float]:  # fmt: skip
        """The records to answer with, their current TTLs, and until when they hold."""
        response = verdict.response
        if response == "forward":
            return await self._upstream(query, query.qname, now)
        if response == "safesearch" and verdict.safe_search:
            return await self._rewrite(query, verdict.safe_search, now)
        if response == "nxdomain":
            return wire.synthetic_records(wire.NXDOMAIN, [], 0), (), float("inf")
        return self._block_records(query), (), float("inf")

    def _block_records(self, query: wire.Query) -> wire.Records:
        ttl = self.settings.block_ttl
        address = {wire.TYPE_A: self._v4, wire.TYPE_AAAA: self._v6}.get(query.qtype)
        answers = [wire.rr(wire.QUESTION_POINTER, query.qtype, ttl, address)] if address else []
        return wire.synthetic_records(wire.NOERROR, answers, ttl)

    async def _upstream(self, query: wire.Query, qname: bytes, now: float
                        ) -> tuple[wire.Records, tuple[int, ...], float]:  # fmt: skip
        key = (qname, query.qtype, query.qclass, query.do)
        cached = self.answers.get(key)
        if cached is not None:
            records, stored = cached
            age = int(now - stored)
            if age < records.ttl:
                return (
                    records,
                    tuple(t - age if t > age else 0 for t in records.ttls),
                    (stored + records.ttl),
                )
        records = await self._fetch(key, query, qname)
        stored = time.monotonic()
        if records.ttl > 0:
            if len(self.answers) >= self.settings.max_entries:
                _evict_oldest(self.answers)
            self.answers[key] = (records, stored)
        return records, records.ttls, stored + records.ttl

    async def _fetch(self, key: tuple[bytes, int, int, bool], query: wire.Query,
                     qname: bytes) -> wire.Records:  # fmt: skip
        """One upstream request per name at a time: concurrent askers share it."""
        future = self._inflight.get(key)
        if future is not None:
            return await asyncio.shield(future)
        future = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            records = await self.forwarder.resolve(query, qname if qname != query.qname else None)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        else:
            future.set_result(records)
            return records
        finally:
            del self._inflight[key]

    async def _rewrite(self, query: wire.Query, target: str, now: float
                       ) -> tuple[wire.Records, tuple[int, ...], float]:  # fmt: skip
        """Safe search: a CNAME to the enforced host, followed by that host's records."""
        target_name = wire.encode_name(target)
        records, ttls, expires = await self._upstream(query, target_name, now)
        aged = wire.Records(records.rcode, records.flags, records.counts,
                            wire.aged_data(records, ttls), records.ttl_offsets, ttls,
                            records.ttl)  # fmt: skip
        answers = [wire.rr(wire.QUESTION_POINTER, wire.TYPE_CNAME, self.settings.rewrite_ttl,
                           target_name)]  # fmt: skip
        answers += _uncompressed_answers(target_name + query.question[-4:], aged)
        rcode = records.rcode if records.rcode == wire.NOERROR else wire.SERVFAIL
        message = wire.as_message(query.question, wire.synthetic_records(rcode, answers, 0))
        built = wire.upstream_records(query, message)
        return built, built.ttls, min(expires, now + self.settings.rewrite_ttl)


def _uncompressed_answers(question: bytes, records: wire.Records) -> list[bytes]:
    """The answer records of ``records`` rendered without compression, to move them."""
    message = dns.message.from_wire(wire.as_message(question, records), ignore_trailing=False)
    out = []
    for rrset in message.answer:
        if rrset.rdclass != dns.rdataclass.IN:
            continue
        owner = rrset.name.to_wire()
        for rdata in rrset:
            out.append(wire.rr(owner, rrset.rdtype, rrset.ttl, rdata.to_digestable()))
    return out


def _refusal(query: wire.Query) -> int | None:
    """The error code for queries Harbour does not serve at all, else None."""
    if query.flags & wire.OPCODE_MASK:
        return wire.NOTIMP
    if query.edns_version:
        return wire.BADVERS
    if query.qclass != wire.CLASS_IN or query.qtype in (251, 252):  # IXFR, AXFR
        return wire.REFUSED
    return None


def _evict_oldest(cache: dict) -> None:  # type: ignore[type-arg]
    """Drop the oldest tenth of a cache (dicts keep insertion order)."""
    for key in list(itertools.islice(cache, max(1, len(cache) // 10))):
        del cache[key]
