"""``harbour squid-helper``: Squid's URL rewriter, answering from Harbour's filtering engine.

Squid writes one request per line on the helper's stdin and reads one reply per line from its
stdout; with ``concurrency=N`` it sends many requests before reading any reply, so the helper
reads whatever has arrived, answers all of it in one write, and only then waits for more. A
reply is never held back while the helper waits for input, so Squid never stalls.

Each decision is appended to the decision-event spool (in memory; a background thread writes
it), and the engine is asked to reload at every batch of input, which it does at most once a
second, so a new policy, list or approved override applies within a second or two without
restarting Squid. Many helper children share the compiled lists: they are memory-mapped.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

from harbour.events import SpoolWriter
from harbour.gateways.squid.decisions import CachedDecider, connect_url
from harbour.gateways.squid.events import EventEncoder
from harbour.gateways.squid.protocol import (
    ProtocolError,
    broken_reply,
    parse_request,
    pass_reply,
    redirect_reply,
    rewrite_reply,
)

log = logging.getLogger(__name__)

_READ_SIZE = 1 << 16
_REDIRECTABLE = frozenset({None, "GET", "HEAD"})  # a redirect would turn a POST into a GET


class SquidHelper:
    """Answers Squid's ``url_rewrite_program`` requests."""

    def __init__(
        self,
        decider: CachedDecider,
        spool: SpoolWriter | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.decider = decider
        self.spool = spool
        self.clock = clock
        self.encoder: EventEncoder = decider.encoder
        self.block_page = decider.block_page
        self.clients = decider.clients  # looked up here first: one call less per request
        # Where answer() puts each event line: straight into the spool, except while a batch
        # is answered, when the batch's lines are collected and handed over as one entry (the
        # spool's thread then writes them without touching each line).
        self._direct: Callable[[str], None] | None = spool.append_line if spool else None
        self._sink: Callable[[str], None] | None = self._direct

    def answer(self, line: str) -> str:
        """The reply line (with its newline) for one request line; never raises.

        This is the hot path (a cached decision costs a few microseconds in all), so it is one
        function with few calls.
        """
        try:
            channel, url, client_field, user_field, method = parse_request(line)
        except ProtocolError as exc:
            return broken_reply(exc.channel, str(exc))
        try:
            now = self.clock()
            if method == "CONNECT" or "://" not in url:
                url = connect_url(url)  # HTTPS through the proxy: only the host is known
            client = self.clients.get((client_field, user_field))
            if client is None:
                client = self.decider.client(client_field, user_field)
            verdict, normal = self.decider.decide(client, url, now)
            decision = verdict.decision
            sink = self._sink
            if sink is not None:
                sink(
                    self.encoder.line(
                        now,
                        normal,
                        verdict.host,
                        decision.search_terms,
                        client.event,
                        verdict.event,
                    )
                )
            if verdict.details is not None:
                return redirect_reply(channel, self.block_page.location(url, verdict.details))
            if decision.safe_search_url:
                if method in _REDIRECTABLE:
                    return redirect_reply(channel, decision.safe_search_url)
                return rewrite_reply(channel, decision.safe_search_url)
            return pass_reply(channel)
        except Exception as failure:  # one bad request must not take the helper (and Squid) down
            log.exception("squid helper could not answer %r", line[:200])
            return broken_reply(channel, f"harbour helper error: {failure}")

    def serve(self, infd: int = 0, outfd: int = 1) -> int:
        """Answer requests from ``infd`` until end of input; return an exit code."""
        pending = b""
        while True:
            chunk = os.read(infd, _READ_SIZE)
            if not chunk:
                break
            pending += chunk
            complete, newline, pending = pending.rpartition(b"\n")
            if newline:
                self._batch(complete, outfd)
        if pending.strip():
            self._batch(pending, outfd)
        return 0

    def _batch(self, data: bytes, outfd: int) -> None:
        self.decider.tick(self.clock())
        lines = data.decode("utf-8", "surrogateescape").split("\n")
        # Squid never sends a blank line; answering one would put replies out of step.
        events: list[str] = []
        if self.spool is not None:
            self._sink = events.append
        try:
            replies = "".join([self.answer(line) for line in lines if line.strip()])
        finally:
            self._sink = self._direct
        if events:
            self.spool.append_lines(events)  # type: ignore[union-attr]
        _write_all(outfd, replies.encode("utf-8", "surrogateescape"))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
