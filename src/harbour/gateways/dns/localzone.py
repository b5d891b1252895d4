"""A tiny authoritative DNS server with fixed records, on loopback.

Harbour's tests, benchmark and demo use it as the upstream resolver, since they may not
reach the Internet. Unknown names get a fixed A record (``wildcard``) or NXDOMAIN; names
under ``.invalid`` never exist.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

Records = dict[str, dict[str, list[str]]]  # name -> type -> values
_INVALID = dns.name.from_text("invalid.")

# The demo's pretend Internet: the safe-search hosts at their real addresses (2026).
SAMPLE_RECORDS: Records = {
    "forcesafesearch.google.com": {"A": ["216.239.38.120"], "AAAA": ["2001:4860:4802:32::78"]},
    "strict.bing.com": {"A": ["204.79.197.220"]},
    "safe.duckduckgo.com": {"A": ["52.142.124.215"]},
    "restrict.youtube.com": {"A": ["216.239.38.120"]},
    "restrictmoderate.youtube.com": {"A": ["216.239.38.119"]},
}  # RFC 6761: never exists, even with a wildcard


class LocalZone:
    """Serve ``records`` over UDP and TCP from a background thread."""

    def __init__(self, records: Records | None = None, wildcard: str | None = "192.0.2.1",
                 ttl: int = 300, truncate: set[str] | None = None) -> None:  # fmt: skip
        self.records = {dns.name.from_text(k): v for k, v in (records or {}).items()}
        self.wildcard = wildcard
        self.ttl = ttl
        self.truncate = {dns.name.from_text(n) for n in truncate or ()}
        self.queries = 0
        self.tcp_queries = 0
        self.port = 0
        self._threads: list[threading.Thread] = []
        self._socks: list[socket.socket] = []

    def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Start serving (again) on ``port`` (0: any free one); return the port."""
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind((host, port))
        self.port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.bind((host, self.port))
        tcp.listen(16)
        self._socks = [udp, tcp]
        self._threads = [
            threading.Thread(target=self._serve_udp, args=(udp,), daemon=True),
            threading.Thread(target=self._serve_tcp, args=(tcp,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self.port

    def stop(self) -> None:
        """Stop answering (the port is released; :meth:`start` may take it again)."""
        for sock in self._socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._socks, self._threads = [], []

    def answer(self, wire: bytes, tcp: bool) -> bytes | None:
        """The reply to one query message, or None if it cannot be parsed."""
        try:
            query = dns.message.from_wire(wire)
        except Exception:
            return None
        reply = dns.message.make_response(query)
        reply.flags |= dns.flags.AA
        if not query.question:
            reply.set_rcode(dns.rcode.FORMERR)
            return reply.to_wire()
        question = query.question[0]
        name, rdtype = question.name, question.rdtype
        if name in self.truncate and not tcp:
            reply.flags |= dns.flags.TC  # as if the answer were too big for UDP
            return reply.to_wire()
        by_type = self.records.get(name)
        if by_type is None and (self.wildcard is None or name.is_subdomain(_INVALID)):
            reply.set_rcode(dns.rcode.NXDOMAIN)
            reply.authority.append(self._soa(name))
            return reply.to_wire()
        by_type = by_type if by_type is not None else {"A": [self.wildcard or "192.0.2.1"]}
        cname = by_type.get("CNAME")
        type_text = dns.rdatatype.to_text(rdtype)
        values = by_type.get(type_text)
        if cname and rdtype != dns.rdatatype.CNAME:
            reply.answer.append(self._rrset(name, "CNAME", cname))
            target = dns.name.from_text(cname[0])
            values = self.records.get(target, {}).get(type_text)
            name = target
        if values:
            reply.answer.append(self._rrset(name, type_text, values))
        elif not cname:
            reply.authority.append(self._soa(name))
        wire_reply = reply.to_wire(max_size=65535)
        limit = max(query.payload, 512) if query.edns >= 0 else 512
        if not tcp and len(wire_reply) > limit:
            reply = dns.message.make_response(query)
            reply.flags |= dns.flags.AA | dns.flags.TC
            return reply.to_wire()
        return wire_reply

    def _rrset(self, name: dns.name.Name, rdtype: str, values: list[str]) -> dns.rrset.RRset:
        return dns.rrset.from_text_list(name, self.ttl, "IN", rdtype, values)

    def _soa(self, name: dns.name.Name) -> dns.rrset.RRset:
        zone = name.parent() if len(name.labels) > 2 else name
        return dns.rrset.from_text(
            zone, 60, "IN", "SOA", "ns.invalid. hostmaster.invalid. 1 3600 600 86400 60"
        )

    def _serve_udp(self, sock: socket.socket) -> None:
        while True:
            try:
                data, addr = sock.recvfrom(4096)
            except OSError:
                return
            self.queries += 1
            reply = self.answer(data, tcp=False)
            if reply is not None:
                with contextlib.suppress(OSError):
                    sock.sendto(reply, addr)

    def _serve_tcp(self, sock: socket.socket) -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with conn:
                try:
                    size = struct.unpack(">H", _read(conn, 2))[0]
                    self.queries += 1
                    self.tcp_queries += 1
                    reply = self.answer(_read(conn, size), tcp=True)
                    if reply is not None:
                        conn.sendall(struct.pack(">H", len(reply)) + reply)
                except (OSError, ValueError):
                    continue


def _read(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ValueError("connection closed")
        data += chunk
    return data
