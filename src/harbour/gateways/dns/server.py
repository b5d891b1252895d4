"""The resolver's listeners: UDP and TCP on one address, on an asyncio loop.

UDP is read straight from a non-blocking socket in batches: a repeated query is answered
without leaving the read loop; anything else becomes a task on the full path. TCP follows
RFC 7766 (length-prefixed messages, several per connection, idle timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from harbour.gateways.dns import wire
from harbour.gateways.dns.decider import Decider
from harbour.gateways.dns.events import EventLog
from harbour.gateways.dns.resolver import Resolver, Settings, Step
from harbour.gateways.dns.upstream import Forwarder

log = logging.getLogger(__name__)

UDP_BATCH = 128
TCP_IDLE = 10.0
TCP_MAX_CONNECTIONS = 512
SOCKET_BUFFER = 4 * 1024 * 1024  # absorbs bursts and reload pauses without drops
RELOAD_CHECK = 1.0


class Spool(Protocol):
    """Where event lines go: :class:`harbour.gateways.dns.spool.RenderedSpool` in production."""

    def append(self, line: str) -> None: ...

    def close(self) -> None: ...


def bind_sockets(host: str, port: int, reuse_port: bool = False
                 ) -> tuple[socket.socket, socket.socket]:  # fmt: skip
    """Bind UDP and TCP on the same port (an ephemeral one, shared, when ``port`` is 0)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(20):
        udp = socket.socket(family, socket.SOCK_DGRAM)
        tcp = socket.socket(family, socket.SOCK_STREAM)
        for sock in (udp, tcp):
            if reuse_port:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
            with contextlib.suppress(OSError):
                udp.setsockopt(socket.SOL_SOCKET, option, SOCKET_BUFFER)
        udp.bind((host, port))
        try:
            tcp.bind((host, udp.getsockname()[1]))
        except OSError:
            udp.close()
            tcp.close()
            if port:
                raise
            continue  # the ephemeral UDP port is taken for TCP: pick another
        tcp.listen(128)
        udp.setblocking(False)
        tcp.setblocking(False)
        return udp, tcp
    raise OSError(f"could not bind UDP and TCP on one port at {host}")


@dataclass
class DnsServer:
    """One resolver serving a UDP and a TCP socket until :meth:`stop`."""

    decider: Decider
    upstreams: list[tuple[str, int]]
    spool: Spool
    settings: Settings = field(default_factory=Settings)
    attempt_timeout: float = 0.6
    deadline: float = 1.8

    def __post_init__(self) -> None:
        self.forwarder = Forwarder(self.upstreams, self.attempt_timeout, self.deadline)
        self.resolver = Resolver(
            self.decider, self.forwarder, EventLog(self.spool.append), self.settings
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self._connections = 0
        self._stopped = asyncio.Event()

    async def serve(self, udp: socket.socket, tcp: socket.socket,
                    ready: Callable[[], None] | None = None) -> None:  # fmt: skip
        """Serve until :meth:`stop` is called (from the loop's thread)."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._udp = udp
        await self.forwarder.start()
        loop.add_reader(udp.fileno(), self._on_udp)
        server = await asyncio.start_server(self._on_tcp, sock=tcp)
        reload_task = loop.create_task(self._watch_reloads())
        if ready is not None:
            ready()
        try:
            await self._stopped.wait()
        finally:
            loop.remove_reader(udp.fileno())
            reload_task.cancel()
            server.close()
            for task in list(self._tasks):
                task.cancel()
            self.forwarder.close()
            self.spool.close()
            udp.close()

    def stop(self) -> None:
        """Ask :meth:`serve` to return."""
        self._stopped.set()

    def _on_udp(self) -> None:
        sock, fast, begin = self._udp, self.resolver.fast_reply, self.resolver.begin
        now, wall = time.monotonic(), time.time()
        for _ in range(UDP_BATCH):
            try:
                data, addr = sock.recvfrom(4096)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue  # an ICMP error from an earlier reply; nothing to answer
            reply = fast(data, addr[0], now, wall)
            if reply is None:
                try:
                    step = begin(data, addr[0], True)
                except Exception:  # a bug must cost one query, never the server
                    log.exception("failed to answer a UDP query from %s", addr[0])
                    step = _servfail_or_none(data)
                if isinstance(step, Step):
                    task = self._loop.create_task(self._udp_complete(step, addr))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                    continue
                if step is None:
                    continue
                reply = step
            with contextlib.suppress(OSError):
                sock.sendto(reply, addr)

    async def _udp_complete(self, step: Step, addr: tuple[str, int]) -> None:
        try:
            reply: bytes | None = await self.resolver.complete(step)
        except Exception:
            log.exception("failed to answer a UDP query from %s", addr[0])
            reply = _servfail_or_none(step.data)
        if reply is not None:
            with contextlib.suppress(OSError):
                self._udp.sendto(reply, addr)

    async def _on_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        self._connections += 1
        try:
            if self._connections > TCP_MAX_CONNECTIONS:
                return
            while True:
                async with asyncio.timeout(TCP_IDLE):
                    size = struct.unpack(">H", await reader.readexactly(2))[0]
                    data = await reader.readexactly(size)
                try:
                    reply = await self.resolver.answer(data, peer[0], udp=False)
                except Exception:
                    log.exception("failed to answer a TCP query from %s", peer[0])
                    reply = _servfail_or_none(data)
                if reply is None:
                    return
                if len(reply) > 65535:  # cannot be framed even over TCP
                    reply = _servfail_or_none(data) or b""
                writer.write(struct.pack(">H", len(reply)) + reply)
                await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._connections -= 1
            writer.close()

    async def _watch_reloads(self) -> None:
        while True:
            await asyncio.sleep(RELOAD_CHECK)
            try:
                changed = await asyncio.to_thread(self.decider.maybe_reload)
            except Exception:
                log.exception("policy reload failed; still serving the previous policy")
                continue
            if changed:
                log.info("policy or lists changed: decisions recomputed from now on")
                self.resolver.forget_policy()


def _servfail_or_none(data: bytes) -> bytes | None:
    try:
        return wire.question_reply(wire.parse_query(data), wire.SERVFAIL)
    except ValueError:
        return None


class BackgroundDns:
    """A resolver running on its own thread and loop (for the demo and tests)."""

    def __init__(self, server: DnsServer, host: str, port: int = 0) -> None:
        self.server = server
        self.udp, self.tcp = bind_sockets(host, port)
        self.host = host
        self.port = self.udp.getsockname()[1]
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="harbour-dns", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the DNS resolver did not start within 10 s")

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self.server.serve(self.udp, self.tcp, self._ready.set))
        finally:
            self._loop.close()

    def stop(self) -> None:
        """Stop serving and wait for the thread (events are flushed first)."""
        if self._loop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self.server.stop)
            self._thread.join(timeout=15)


def start_dns_in_background(
    listen: str,
    upstreams: list[str],
    data_dir: Path,
    policy_path: Path | None = None,
    settings: Settings | None = None,
) -> BackgroundDns:
    """Start Harbour's resolver on ``listen`` (``127.0.0.1:0`` for any free port).

    Decisions come from the filtering engine over ``data_dir`` (or ``policy_path``), events go
    to the data directory's spool. Returns a handle with ``.host``, ``.port`` and ``.stop()``.
    """
    from harbour.gateways.dns.decider import EngineDecider
    from harbour.gateways.dns.spool import open_spool
    from harbour.gateways.dns.upstream import parse_endpoint

    host, port = parse_endpoint(listen)
    decider = EngineDecider.open(data_dir, policy_path)
    server = DnsServer(
        decider,
        [parse_endpoint(u) for u in upstreams],
        open_spool(data_dir),
        settings or Settings(),
    )
    return BackgroundDns(server, host, port)
