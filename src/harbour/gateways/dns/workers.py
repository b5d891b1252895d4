"""Running the resolver in one or several processes sharing a port (SO_REUSEPORT).

Each worker is a separate process with its own engine (the compiled lists are memory-mapped,
so they are shared), caches and event writer; the kernel spreads clients across them. The
parent restarts a worker that dies, so one crash never takes the school's DNS down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable

from harbour.gateways.dns.server import DnsServer, bind_sockets

log = logging.getLogger(__name__)

ServerFactory = Callable[[], DnsServer]


def serve_forever(make_server: ServerFactory, udp: socket.socket, tcp: socket.socket,
                  ready: Callable[[], None] | None = None) -> None:  # fmt: skip
    """Run one resolver on this process until SIGTERM or SIGINT; ``ready`` once it answers."""
    server = make_server()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, server.stop)
        await server.serve(udp, tcp, ready)

    asyncio.run(main())


def run(make_server: ServerFactory, host: str, port: int, workers: int,
        announce: Callable[[int], None]) -> int:  # fmt: skip
    """Serve on ``host:port`` with ``workers`` processes; return an exit code."""
    if workers <= 1:
        udp, tcp = bind_sockets(host, port)
        serve_forever(make_server, udp, tcp, lambda: announce(udp.getsockname()[1]))
        return 0
    first = bind_sockets(host, port, reuse_port=True)
    port = first[0].getsockname()[1]
    sockets = [first] + [bind_sockets(host, port, reuse_port=True) for _ in range(workers - 1)]
    children: dict[int, int] = {}  # pid -> worker index
    stopping = False

    def spawn(index: int) -> None:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                serve_forever(make_server, *sockets[index])
            except BaseException:
                log.exception("DNS worker %d failed", index)
                code = 1
            finally:
                sys.stdout.flush()
                os._exit(code)
        children[pid] = index

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for index in range(workers):
        spawn(index)
    announce(port)  # the sockets are bound: queries wait in them until the workers read
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        index = children.pop(pid, -1)
        if index >= 0 and not stopping:
            log.error("DNS worker %d exited (status %d); restarting it", index, status)
            time.sleep(0.5)
            spawn(index)
    return 0
