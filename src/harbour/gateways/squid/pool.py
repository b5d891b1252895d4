"""``harbour squid-pool``: one loaded engine serving every helper child Squid starts.

Squid starts each ``url_rewrite_program`` child itself, so children started separately each
load Python, the engine and the policy: about 24 MB of private memory each, eight of them 2.6
times one. The pool loads all that once and forks a worker per child, and the workers share
the loaded pages copy-on-write (the compiled lists are shared by every process either way).

How a child reaches the pool: Squid runs ``harbour squid-helper`` as before. The helper finds
the pool's socket, sends its standard input, output and error over it (``SCM_RIGHTS``) and
exits; a worker forked from the pool answers on Squid's own pipes, exactly as the child would
have. Squid only talks to the pipes, so it does not notice; when it closes them (reconfigure,
shutdown) the worker reads end of input and exits. With no pool running, the child answers
by itself, so stopping the pool never stops filtering, and stopping it leaves its workers
serving until Squid lets them go.

The socket is created with mode 0660 (owner and group only): whoever can connect can have
decisions made and decision events written in the pool's name.
"""

from __future__ import annotations

import gc
import grp
import json
import logging
import os
import select
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_GREETING = b"harbour-squid-helper 1 "  # then a JSON object: what the child was asked to do
_MESSAGE_LIMIT = 8192
_HANDOFF_TIMEOUT = 10.0  # seconds a child waits for the pool's worker to take its pipes
_TICK = 1.0  # seconds between the pool's reload checks


class PoolError(Exception):
    """The pool took a child's pipes but did not confirm that a worker serves them."""


def hand_off(
    path: Path, request: dict[str, Any], fds: tuple[int, int, int] = (0, 1, 2)
) -> int | None:
    """Give this process's helper pipes to the pool at ``path``; return the serving worker's
    pid, or None when no pool answers there (the caller then serves the pipes itself).

    Raises :class:`PoolError` when the pipes went over but no worker confirmed: serving them
    here too could answer Squid twice, so the caller must exit instead.
    """
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    except OSError:
        return None
    with conn:
        conn.settimeout(_HANDOFF_TIMEOUT)
        try:
            conn.connect(str(path))
        except OSError:
            return None  # no pool (or a stale socket file): serve in this process
        try:
            socket.send_fds(conn, [_GREETING + json.dumps(request).encode()], list(fds))
        except OSError:
            return None  # nothing was sent, so nothing is served yet
        try:
            reply = conn.recv(64)
        except OSError as exc:
            raise PoolError(f"the pool took the pipes but did not answer: {exc}") from None
    word, _, pid = reply.decode("ascii", "replace").strip().partition(" ")
    if word != "OK" or not pid.isdigit():
        raise PoolError(f"the pool refused the pipes: {reply[:60]!r}")
    return int(pid)


# What a worker runs once it holds Squid's pipes as its fds 0, 1 and 2: given the child's
# request, it answers until end of input and returns the exit code.
Serve = Callable[[dict[str, Any]], int]


class HelperPool:
    """Accepts helper children's pipes on a Unix socket and forks a worker for each."""

    def __init__(
        self,
        path: Path,
        serve: Serve,
        tick: Callable[[], None] = lambda: None,
        group: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.serve = serve
        self.tick = tick  # keeps the loaded engine current, so new workers start current
        self.group = group
        self.workers: set[int] = set()
        self._stopping = False

    def stop(self, *_: object) -> None:
        """Stop accepting (a signal handler); running workers go on serving their Squid."""
        self._stopping = True

    def listen(self) -> socket.socket:
        """Bind the socket (replacing a stale one, refusing a live one) with mode 0660."""
        gid = grp.getgrnam(self.group).gr_gid if self.group else -1  # before any file is made
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() or self.path.is_symlink():
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(str(self.path))
            except OSError:
                self.path.unlink()  # left by a pool that stopped: nobody listens on it
            else:
                probe.close()
                raise OSError(f"another pool is already listening on {self.path}")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o117)  # never world-connectable, not even between bind and chmod
        try:
            server.bind(str(self.path))
        finally:
            os.umask(old)
        os.chmod(self.path, 0o660)
        if gid != -1:
            os.chown(self.path, -1, gid)
        server.listen(64)
        return server

    def run(self, server: socket.socket) -> int:
        """Serve children until :meth:`stop`; return an exit code."""
        try:
            while not self._stopping:
                try:
                    ready, _, _ = select.select([server], [], [], _TICK)
                except InterruptedError:
                    continue
                self.tick()
                self._reap()
                if ready:
                    self._accept(server)
        finally:
            server.close()
            self.path.unlink(missing_ok=True)
        return 0

    def _reap(self) -> None:
        for pid in list(self.workers):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                self.workers.discard(pid)

    def _accept(self, server: socket.socket) -> None:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        fds: list[int] = []
        with conn:
            conn.settimeout(_HANDOFF_TIMEOUT)
            try:
                message, fds, _, _ = socket.recv_fds(conn, _MESSAGE_LIMIT, 3)
                if not message and not fds:
                    return  # a probe (is a pool listening?) that sent nothing
                request = _request(message, fds)
            except (OSError, ValueError) as exc:
                log.warning("squid-pool: refused a connection: %s", exc)
                for fd in fds:
                    os.close(fd)
                return
            # The loaded engine (as the last tick left it) stays out of the collector's
            # reach, so its writes never copy the shared pages into the worker.
            gc.freeze()
            pid = os.fork()
            if pid == 0:  # the worker: never returns into the pool's loop
                code = 1
                try:
                    server.close()
                    code = self._work(conn, fds, request)
                finally:
                    os._exit(code)
            self.workers.add(pid)
        for fd in fds:
            os.close(fd)

    def _work(self, conn: socket.socket, fds: list[int], request: dict[str, Any]) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        # Squid's pipes are now this worker's standard streams; the pool's log goes with them
        # (stderr is Squid's cache.log), as a child started by Squid would have it.
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(open(2, "w", closefd=False))  # noqa: SIM115
        conn.sendall(f"OK {os.getpid()}\n".encode())
        conn.close()
        return self.serve(request)


def _request(message: bytes, fds: list[int]) -> dict[str, Any]:
    if len(fds) != 3:
        raise ValueError(f"expected 3 file descriptors (stdin, stdout, stderr), got {len(fds)}")
    if not message.startswith(_GREETING):
        raise ValueError("not a harbour squid-helper greeting")
    request = json.loads(message[len(_GREETING) :])
    if not isinstance(request, dict):
        raise ValueError("the greeting's request is not a JSON object")
    return request


def wait_for_socket(path: Path, timeout: float = 10.0) -> bool:
    """True once a pool accepts connections at ``path`` (for start-up scripts and tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(str(path))
            return True
        except OSError:
            time.sleep(0.05)
        finally:
            probe.close()
    return False
