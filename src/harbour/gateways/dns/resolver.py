"""Answering one query: who is asking, what the policy says, and what to reply.

Three caches keep the common case cheap:

* ``clients``: client address -> :class:`Client` (device register, network ranges);
* ``verdicts``: (client key, name) -> decision, until the next edge at which a decision can
  change (a policy window, an override or a device registration starting or ending), or until
  the engine reloads;
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
from harbour.gateways.dns.events import EventLog, render_fields
from harbour.gateways.dns.upstream import Forwarder, UpstreamError

log = logging.getLogger(__name__)

_ALLOW_ROOT = DnsVerdict("allow", "forward", "the root name is not filtered", "default")
_ENGINE_ERROR = DnsVerdict("block", "servfail", "the filtering engine failed", "error")
_UNANSWERED = DnsVerdict("allow", "servfail", "no upstream resolver answered", "upstream")
_FOREVER = float("inf")
STALE_TTL = 30  # RFC 8767's recommended TTL for an answer served stale
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
    serve_stale: int = 86_400  # seconds past expiry an answer may stand in for a dead upstream


class Prepared:
    """A finished UDP reply (without its ID) that ages its TTLs in place."""

    __slots__ = ("body", "offsets", "ttls", "born", "age", "expires", "client", "fields")

    def __init__(self, reply: bytes, records: wire.Records | None, ttls: tuple[int, ...],
                 now: float, expires: float, client: Client, question_size: int,
                 fields: str) -> None:  # fmt: skip
        self.body = bytearray(reply[2:])
        shift = 10 + question_size  # the header (less the ID) and the question come first
        self.offsets: tuple[int, ...] = ()
        if records is not None and len(reply) >= 12 + question_size + len(records.data):
            self.offsets = tuple(o + shift for o in records.ttl_offsets)  # not truncated
        self.ttls = ttls
        self.born = now
        self.age = 0
        self.expires = expires
        self.client = client
        self.fields = fields  # the rendered event fields

    def refresh(self, now: float) -> None:
        """Rewrite the TTLs for the time elapsed since the reply was made."""
        age = int(now - self.born)
        if age != self.age:
            for offset, ttl in zip(self.offsets, self.ttls, strict=True):
                _pack_ttl(self.body, offset, ttl - age if ttl > age else 0)
            self.age = age


@dataclass(slots=True)
class Step:
    """A query decided but waiting for an upstream answer."""

    query: wire.Query
    data: bytes
    ip: str
    udp: bool
    client: Client
    verdict: DnsVerdict
    host: str
    decided_until: float


Timed = tuple[wire.Records, tuple[int, ...], float]  # records, their TTLs now, valid until


class Resolver:
    """The policy-aware caching forwarder behind the UDP and TCP listeners."""

    def __init__(self, decider: Decider, forwarder: Forwarder, events: EventLog,
                 settings: Settings | None = None) -> None:  # fmt: skip
        self.decider = decider
        self.forwarder = forwarder
        self.events = events
        self.settings = settings or Settings()
        s = self.settings
        self._v4 = ipaddress.IPv4Address(s.block_ipv4).packed if s.block_ipv4 else None
        self._v6 = ipaddress.IPv6Address(s.block_ipv6).packed if s.block_ipv6 else None
        self.clients: dict[str, Client] = {}
        self._clients_until = 0.0
        self.verdicts: dict[tuple[object, bytes], tuple[DnsVerdict, str, float]] = {}
        self.answers: dict[tuple[bytes, int, int, bool], tuple[wire.Records, float]] = {}
        self.prepared: dict[tuple[object, bytes], Prepared] = {}
        self._inflight: dict[tuple[bytes, int, int, bool], asyncio.Future[wire.Records]] = {}
        self.pending = 0
        self._quiet_until = 0.0

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
        self.events.emit(wall, ip, prepared.fields)
        return data[:2] + prepared.body

    def forget_policy(self) -> None:
        """Drop everything derived from the policy (after the engine reloads)."""
        self.clients = {}
        self._clients_until = 0.0
        self.verdicts = {}
        self.prepared = {}

    # -- the full path -------------------------------------------------------------------------

    async def answer(self, data: bytes, ip: str, udp: bool) -> bytes | None:
        """Answer one query packet from ``ip``; None when the packet deserves no reply."""
        step = self.begin(data, ip, udp)
        return await self.complete(step) if isinstance(step, Step) else step

    def begin(self, data: bytes, ip: str, udp: bool) -> bytes | None | Step:
        """Answer what needs no upstream now; otherwise return the :class:`Step` to complete."""
        try:
            query = wire.parse_query(data)
        except wire.Ignore:
            return None
        except wire.FormatError:
            return wire.error_reply(data, wire.FORMERR)
        refusal = _refusal(query)
        if refusal is not None:
            return wire.question_reply(query, refusal)
        now = time.monotonic()
        client = self._client(ip, now)
        verdict, host, decided_until = self._verdict(client, query.qname, now)
        step = Step(query, data, ip, udp, client, verdict, host, decided_until)
        if verdict.response == "servfail":
            return self._servfail(step, verdict)
        timed = self._records_now(query, verdict, now)
        if timed is None:
            if self.pending >= self.settings.max_pending:
                return self._servfail(step, _UNANSWERED)
            return step
        return self._reply(step, timed, now)

    async def complete(self, step: Step) -> bytes:
        """Finish a query that waits for an upstream."""
        self.pending += 1
        try:
            timed = await self._records_later(step.query, step.verdict)
        except UpstreamError as exc:
            stale = self._stale(step.query, step.verdict)
            if time.monotonic() >= self._quiet_until:  # one line per outage, not per query
                self._quiet_until = time.monotonic() + 10
                log.warning("upstreams failing (%s); answering from expired cache where "
                            "possible, else SERVFAIL", exc)  # fmt: skip
            if stale is None:
                return self._servfail(step, _UNANSWERED)
            return self._reply(step, stale, time.monotonic())
        finally:
            self.pending -= 1
        return self._reply(step, timed, time.monotonic())

    def _stale(self, query: wire.Query, verdict: DnsVerdict) -> Timed | None:
        """RFC 8767: while no upstream answers, a recently expired answer beats SERVFAIL."""
        now = time.monotonic()
        if verdict.response == "safesearch" and verdict.safe_search:
            target = wire.encode_name(verdict.safe_search)
            timed = self._cached(query, target, now, stale=True)
            return self._rewrite(query, target, timed, now) if timed else None
        return self._cached(query, query.qname, now, stale=True)

    def _reply(self, step: Step, timed: Timed, now: float) -> bytes:
        records, ttls, expires = timed
        query = step.query
        reply = wire.build_reply(query, records, ttls)
        fields = render_fields(step.client, step.host, query.qtype, step.verdict)
        if step.udp:
            reply = wire.fit_udp(query, reply)
            expires = min(expires, step.decided_until)
            if expires > now:
                if len(self.prepared) >= self.settings.max_entries:
                    _evict_oldest(self.prepared)
                self.prepared[(step.client.key, step.data[2:])] = Prepared(
                    reply, records, ttls, now, expires, step.client, len(query.question), fields
                )
        self.events.emit(time.time(), step.ip, fields)
        return reply

    def _servfail(self, step: Step, verdict: DnsVerdict) -> bytes:
        fields = render_fields(step.client, step.host, step.query.qtype, verdict)
        self.events.emit(time.time(), step.ip, fields)
        return wire.question_reply(step.query, wire.SERVFAIL)

    def _client(self, ip: str, now: float) -> Client:
        if now >= self._clients_until:  # a device registration may have expired
            wall = time.time()
            self.clients = {}
            self._clients_until = now + max(self.decider.stable_until(wall) - wall, 0.0)
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
            until = now + max(self.decider.stable_until(wall) - wall, 0.0)
        except Exception:
            log.exception("the filtering engine failed on %r", host)
            verdict, until = _ENGINE_ERROR, now
        if len(self.verdicts) >= self.settings.max_entries:
            _evict_oldest(self.verdicts)
        self.verdicts[key] = result = (verdict, host, until)
        return result

    # -- records -------------------------------------------------------------------------------

    def _records_now(self, query: wire.Query, verdict: DnsVerdict, now: float) -> Timed | None:
        """The records to answer with, if no upstream is needed for them."""
        response = verdict.response
        if response == "forward":
            return self._cached(query, query.qname, now)
        if response == "safesearch" and verdict.safe_search:
            target = wire.encode_name(verdict.safe_search)
            timed = self._cached(query, target, now)
            return self._rewrite(query, target, timed, now) if timed else None
        if response == "nxdomain":
            return wire.synthetic_records(wire.NXDOMAIN, [], 0), (), _FOREVER
        return self._block_records(query), (), _FOREVER

    async def _records_later(self, query: wire.Query, verdict: DnsVerdict) -> Timed:
        if verdict.response == "safesearch" and verdict.safe_search:
            target = wire.encode_name(verdict.safe_search)
            timed = await self._upstream(query, target)
            return self._rewrite(query, target, timed, time.monotonic())
        return await self._upstream(query, query.qname)

    def _block_records(self, query: wire.Query) -> wire.Records:
        ttl = self.settings.block_ttl
        address = {wire.TYPE_A: self._v4, wire.TYPE_AAAA: self._v6}.get(query.qtype)
        answers = []
        if address is not None:
            answers.append(wire.rr(wire.QUESTION_POINTER, query.qtype, ttl, address))
        return wire.synthetic_records(wire.NOERROR, answers, ttl)

    def _cached(self, query: wire.Query, qname: bytes, now: float,
                stale: bool = False) -> Timed | None:  # fmt: skip
        """Cached records with their TTLs aged; with ``stale``, expired ones (not too old)
        with a short TTL, valid for this reply only."""
        cached = self.answers.get((qname, query.qtype, query.qclass, query.do))
        if cached is None:
            return None
        records, stored = cached
        age = int(now - stored)
        if age >= records.ttl:
            if not stale or age >= records.ttl + self.settings.serve_stale:
                return None
            return records, (STALE_TTL,) * len(records.ttls), now
        ttls = tuple(t - age if t > age else 0 for t in records.ttls)
        return records, ttls, stored + records.ttl

    async def _upstream(self, query: wire.Query, qname: bytes) -> Timed:
        now = time.monotonic()
        timed = self._cached(query, qname, now)
        if timed is not None:
            return timed  # another query fetched it meanwhile
        key = (qname, query.qtype, query.qclass, query.do)
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

    def _rewrite(self, query: wire.Query, target: bytes, timed: Timed, now: float) -> Timed:
        """Safe search: a CNAME to the enforced host, followed by that host's records."""
        records, ttls, expires = timed
        aged = wire.Records(records.rcode, records.flags, records.counts,
                            wire.aged_data(records, ttls), records.ttl_offsets, ttls,
                            records.ttl)  # fmt: skip
        answers = [wire.rr(wire.QUESTION_POINTER, wire.TYPE_CNAME, self.settings.rewrite_ttl,
                           target)]  # fmt: skip
        answers += _uncompressed_answers(target + query.question[-4:], aged)
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
        assert owner is not None  # no file given: to_wire returns the bytes
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
