"""Forwarding to the upstream resolvers: retries, failover, TCP on truncation, a deadline.

Each upstream has a few connected UDP sockets (different source ports); replies are matched
to queries by socket and random ID and checked against the question. An upstream that times out is tried last for a while, so
a dead resolver costs one timeout rather than one per query, and is probed again later so
that the resolver recovers by itself when it comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import struct
import time
from dataclasses import dataclass, field

from harbour.gateways.dns import wire

log = logging.getLogger(__name__)

# Replies are accepted only from the upstream's address, on the socket the query left from,
# with the query's random ID and question: several source ports make spoofing that harder.
SOCKETS_PER_UPSTREAM = 8


class UpstreamError(Exception):
    """No upstream gave a usable answer before the deadline."""


def parse_endpoint(text: str, default_port: int = 53) -> tuple[str, int]:
    """``127.0.0.1:5353``, ``[::1]:53`` or ``192.0.2.1`` -> (host, port)."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.lstrip(":") or str(default_port)
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, str(default_port)
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f"{text!r}: port {port!r} is not a number") from None
    if not host or not 0 <= number < 65536:
        raise ValueError(f"{text!r} is not ADDRESS:PORT")
    return host, number


@dataclass
class Upstream:
    """One upstream resolver and what Harbour knows about its health."""

    host: str
    port: int
    failures: int = 0
    down_until: float = 0.0
    socks: list[socket.socket] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


class Forwarder:
    """Send queries to the upstreams; ``resolve`` returns the first good reply."""

    def __init__(
        self,
        endpoints: list[tuple[str, int]],
        attempt_timeout: float = 0.6,
        deadline: float = 1.8,
    ) -> None:
        if not endpoints:
            raise ValueError("at least one upstream is needed")
        self.upstreams = [Upstream(host, port) for host, port in endpoints]
        self.attempt_timeout = attempt_timeout
        self.deadline = deadline
        self._waiting: dict[tuple[int, int, int], asyncio.Future[bytes]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        """Open the UDP sockets to each upstream on the running loop."""
        self._loop = asyncio.get_running_loop()
        for index, upstream in enumerate(self.upstreams):
            family = socket.AF_INET6 if ":" in upstream.host else socket.AF_INET
            for number in range(SOCKETS_PER_UPSTREAM):
                sock = socket.socket(family, socket.SOCK_DGRAM)
                sock.setblocking(False)
                sock.connect((upstream.host, upstream.port))
                upstream.socks.append(sock)
                self._loop.add_reader(sock.fileno(), self._on_reply, index, number, sock)

    def close(self) -> None:
        """Close the sockets and fail anything still waiting."""
        for upstream in self.upstreams:
            for sock in upstream.socks:
                if self._loop is not None:
                    self._loop.remove_reader(sock.fileno())
                sock.close()
            upstream.socks = []
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(UpstreamError("resolver stopping"))
        self._waiting.clear()

    def _on_reply(self, index: int, number: int, sock: socket.socket) -> None:
        for _ in range(64):
            try:
                data = sock.recv(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue  # ICMP port unreachable from an earlier send: the timeout handles it
            if len(data) < 12:
                continue
            key = (index, number, struct.unpack_from(">H", data)[0])
            future = self._waiting.pop(key, None)
            if future is not None and not future.done():
                future.set_result(data)

    def ordered(self, now: float) -> list[int]:
        """Upstream indexes to try: healthy ones in configured order, then the rest."""
        healthy = [i for i, u in enumerate(self.upstreams) if u.down_until <= now]
        resting = sorted(
            (i for i, u in enumerate(self.upstreams) if u.down_until > now),
            key=lambda i: self.upstreams[i].down_until,
        )
        return healthy + resting

    async def resolve(self, query: wire.Query, qname: bytes | None = None) -> wire.Records:
        """Ask the upstreams for ``query`` (or for ``qname`` with the query's type).

        Raises :class:`UpstreamError` when no upstream answers usefully within the deadline.
        """
        if qname is not None:
            query = _retarget(query, qname)
        start = time.monotonic()
        end = start + self.deadline
        last = "no upstream tried"
        refused: wire.Records | None = None
        while True:
            for index in self.ordered(time.monotonic()):
                remaining = end - time.monotonic()
                if remaining <= 0:
                    raise UpstreamError(f"no answer within {self.deadline:.1f} s ({last})")
                upstream = self.upstreams[index]
                try:
                    records = await self._ask(index, query, min(self.attempt_timeout, remaining))
                except (TimeoutError, OSError, wire.FormatError) as exc:
                    last = f"{upstream}: {exc.__class__.__name__} {exc}".strip()
                    self._failed(upstream)
                    continue
                upstream.failures, upstream.down_until = 0, 0.0
                if records.rcode in (wire.SERVFAIL, wire.REFUSED, wire.NOTIMP):
                    refused = records  # the upstream is alive but failed: try the others
                    continue
                return records
            if refused is not None:
                return refused  # every live upstream failed this name: pass that on
            if time.monotonic() >= end:
                raise UpstreamError(f"no answer within {self.deadline:.1f} s ({last})")
            await asyncio.sleep(0.05)

    def _failed(self, upstream: Upstream) -> None:
        upstream.failures += 1
        upstream.down_until = time.monotonic() + min(2**upstream.failures, 30)
        if upstream.failures == 1:
            log.warning("upstream %s is not answering; trying the others first", upstream)

    async def _ask(self, index: int, query: wire.Query, timeout: float) -> wire.Records:
        upstream = self.upstreams[index]
        assert self._loop is not None and upstream.socks
        message = _upstream_message(query)
        for _ in range(8):
            key = (index, random.randrange(len(upstream.socks)), random.getrandbits(16))
            if key not in self._waiting:
                break
        future: asyncio.Future[bytes] = self._loop.create_future()
        self._waiting[key] = future
        try:
            upstream.socks[key[1]].send(struct.pack(">H", key[2]) + message)
            async with asyncio.timeout(timeout):
                reply = await future
        finally:
            self._waiting.pop(key, None)
        if struct.unpack_from(">H", reply, 2)[0] & wire.TC:
            reply = await self._ask_tcp(upstream, message, timeout)
        return wire.upstream_records(query, reply)

    async def _ask_tcp(self, upstream: Upstream, message: bytes, timeout: float) -> bytes:
        ident = random.getrandbits(16)
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(upstream.host, upstream.port)
            try:
                packet = struct.pack(">H", ident) + message
                writer.write(struct.pack(">H", len(packet)) + packet)
                await writer.drain()
                size = struct.unpack(">H", await reader.readexactly(2))[0]
                reply = await reader.readexactly(size)
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
        if size < 12 or struct.unpack_from(">H", reply)[0] != ident:
            raise wire.FormatError("TCP reply with the wrong ID")
        return reply


def _upstream_message(query: wire.Query) -> bytes:
    """The query as Harbour sends it upstream (without the ID): RD, the client's CD, EDNS0."""
    flags = wire.RD | (query.flags & wire.CD)
    header = struct.pack(">HHHHH", flags, 1, 0, 0, 1)
    return header + query.qname + query.question[-4:] + wire.opt_record(query.do)


def _retarget(query: wire.Query, qname: bytes) -> wire.Query:
    question = qname + query.question[-4:]
    return wire.Query(
        0, query.flags, qname, question, query.qtype, query.qclass, query.edns,
        query.udp_size, query.do, query.edns_version,
    )  # fmt: skip
