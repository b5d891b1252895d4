"""DNS wire format: just enough to answer queries quickly without building full messages.

The resolver's hot path parses only the header and the question of a query, and builds
replies by splicing bytes. Every function here checks bounds and raises :class:`FormatError`
(or :class:`Ignore` for packets that must get no reply at all), never ``IndexError``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import dns.exception
import dns.message

# Header flag bits.
QR = 0x8000
OPCODE_MASK = 0x7800
AA = 0x0400
TC = 0x0200
RD = 0x0100
RA = 0x0080
AD = 0x0020
CD = 0x0010

# Response codes.
NOERROR = 0
FORMERR = 1
SERVFAIL = 2
NXDOMAIN = 3
NOTIMP = 4
REFUSED = 5
BADVERS = 16  # extended: upper 8 bits live in the OPT record

# Record types and classes used here.
TYPE_A = 1
TYPE_NS = 2
TYPE_CNAME = 5
TYPE_SOA = 6
TYPE_AAAA = 28
TYPE_OPT = 41
CLASS_IN = 1

EDNS_PAYLOAD = 1232  # what Harbour advertises: the DNS flag day 2020 size, no fragmentation
MIN_UDP = 512
MAX_NAME = 255

_HEADER = struct.Struct(">HHHHHH")
_RR_FIXED = struct.Struct(">HHIH")  # type, class, ttl, rdlength
_TYPE_CLASS = struct.Struct(">HH")


class FormatError(ValueError):
    """The packet is not a well-formed DNS message."""


class Ignore(ValueError):
    """The packet deserves no reply (too short to echo an ID, or itself a response)."""


@dataclass(frozen=True, slots=True)
class Query:
    """The parts of a query the resolver needs."""

    id: int
    flags: int
    qname: bytes  # wire form, ASCII-lowercased: the cache and policy key
    question: bytes  # the client's question section as sent (its letter case is echoed)
    qtype: int
    qclass: int
    edns: bool
    udp_size: int  # largest UDP reply the client accepts
    do: bool  # DNSSEC OK bit
    edns_version: int


def read_name(msg: bytes, offset: int) -> int:
    """Skip a possibly compressed name starting at ``offset``; return the offset after it."""
    end = len(msg)
    while True:
        if offset >= end:
            raise FormatError("name runs past the end of the message")
        length = msg[offset]
        if length == 0:
            return offset + 1
        if length & 0xC0 == 0xC0:
            if offset + 2 > end:
                raise FormatError("compression pointer runs past the end of the message")
            return offset + 2
        if length & 0xC0:
            raise FormatError("unknown label type")
        offset += 1 + length


def _question_name_end(msg: bytes) -> int:
    """End of the uncompressed name at offset 12 (a question may not use compression)."""
    offset, end = 12, len(msg)
    while True:
        if offset >= end:
            raise FormatError("question name runs past the end of the packet")
        length = msg[offset]
        if length == 0:
            offset += 1
            break
        if length > 63:
            raise FormatError("question name uses a compression pointer or a bad label")
        offset += 1 + length
    if offset - 12 > MAX_NAME:
        raise FormatError("question name is longer than 255 octets")
    return offset


def parse_query(data: bytes) -> Query:
    """Parse a query's header, question and EDNS0 OPT record.

    Raises :class:`Ignore` for packets that must not be answered and :class:`FormatError`
    for malformed queries (answer FORMERR).
    """
    if len(data) < 12:
        raise Ignore("shorter than a DNS header")
    ident, flags, qdcount, ancount, nscount, arcount = _HEADER.unpack_from(data)
    if flags & QR:
        raise Ignore("a response, not a query")
    if qdcount != 1:
        raise FormatError(f"{qdcount} questions; exactly one is supported")
    if ancount or nscount:
        raise FormatError("a query with answer or authority records")
    name_end = _question_name_end(data)
    if name_end + 4 > len(data):
        raise FormatError("question type and class missing")
    qtype, qclass = _TYPE_CLASS.unpack_from(data, name_end)
    question = data[12 : name_end + 4]
    edns, udp_size, do, version = _parse_additional(data, name_end + 4, arcount)
    return Query(
        ident,
        flags,
        data[12:name_end].lower(),
        question,
        qtype,
        qclass,
        edns,
        udp_size,
        do,
        version,
    )


def _parse_additional(data: bytes, offset: int, arcount: int) -> tuple[bool, int, bool, int]:
    edns, udp_size, do, version = False, MIN_UDP, False, 0
    for _ in range(arcount):
        offset = read_name(data, offset)
        if offset + 10 > len(data):
            raise FormatError("additional record header runs past the end of the packet")
        rtype, rclass, ttl, rdlength = _RR_FIXED.unpack_from(data, offset)
        offset += 10 + rdlength
        if offset > len(data):
            raise FormatError("additional record data runs past the end of the packet")
        if rtype == TYPE_OPT:
            if edns:
                raise FormatError("more than one OPT record")
            edns, udp_size = True, max(rclass, MIN_UDP)
            version = (ttl >> 16) & 0xFF
            do = bool(ttl & 0x8000)
    if offset != len(data):
        raise FormatError("trailing bytes after the last record")
    return edns, udp_size, do, version


def opt_record(do: bool = False, ext_rcode: int = 0) -> bytes:
    """Harbour's own OPT pseudo-record (root owner, our payload size, no options)."""
    ttl = (ext_rcode << 24) | (0x8000 if do else 0)
    return b"\x00" + _RR_FIXED.pack(TYPE_OPT, EDNS_PAYLOAD, ttl, 0)


def reply_flags(query_flags: int, rcode: int, extra: int = 0) -> int:
    """Flags of a reply: opcode, RD and CD copied from the query, RA set, low rcode bits."""
    return QR | RA | (query_flags & (OPCODE_MASK | RD | CD)) | extra | (rcode & 0xF)


def error_reply(data: bytes, rcode: int) -> bytes:
    """A header-only reply for a packet whose question could not be parsed."""
    ident, flags = struct.unpack_from(">HH", data)
    return _HEADER.pack(ident, reply_flags(flags, rcode), 0, 0, 0, 0)


def question_reply(query: Query, rcode: int, extra_flags: int = 0) -> bytes:
    """A reply with the question echoed and no records (errors, NXDOMAIN, truncation)."""
    arcount = 1 if query.edns else 0
    header = _HEADER.pack(
        query.id, reply_flags(query.flags, rcode & 0xF, extra_flags), 1, 0, 0, arcount
    )
    tail = opt_record(query.do, rcode >> 4) if query.edns else b""
    return header + query.question + tail


def encode_name(host: str) -> bytes:
    """``forcesafesearch.google.com`` -> uncompressed wire form."""
    out = bytearray()
    for label in host.strip(".").split("."):
        raw = label.encode("idna") if not label.isascii() else label.encode("ascii")
        if not raw or len(raw) > 63:
            raise ValueError(f"bad label {label!r} in {host!r}")
        out.append(len(raw))
        out += raw
    out.append(0)
    if len(out) > MAX_NAME:
        raise ValueError(f"{host!r} is longer than 255 octets")
    return bytes(out)


def name_text(wire: bytes) -> str:
    """Uncompressed wire name -> dotted text without the trailing dot ('' for the root)."""
    labels, offset = [], 0
    while offset < len(wire) and wire[offset]:
        length = wire[offset]
        labels.append(wire[offset + 1 : offset + 1 + length].decode("latin-1"))
        offset += 1 + length
    return ".".join(labels)


def rr(owner: bytes, rtype: int, ttl: int, rdata: bytes) -> bytes:
    """One resource record in class IN."""
    return owner + _RR_FIXED.pack(rtype, CLASS_IN, ttl, len(rdata)) + rdata


QUESTION_POINTER = b"\xc0\x0c"  # the question's name, which always starts at offset 12


@dataclass(frozen=True, slots=True)
class Records:
    """The record sections of a reply, ready to follow the question.

    ``data`` holds answer, authority and additional records (no OPT); names in it may
    point into the question. ``ttl_offsets`` locate each TTL within ``data`` so that a cached
    copy can be aged; ``ttl`` is how long the whole set may be cached (0: do not cache).
    """

    rcode: int
    flags: int  # AA and AD bits worth passing on
    counts: tuple[int, int, int]
    data: bytes
    ttl_offsets: tuple[int, ...]
    ttls: tuple[int, ...]
    ttl: int


def build_reply(query: Query, records: Records, now_ttls: tuple[int, ...] | None = None) -> bytes:
    """Assemble a full reply to ``query`` (EDNS added when the client used it)."""
    an, ns, ar = records.counts
    extra = records.flags & AA
    if records.flags & AD and (query.do or query.flags & AD):
        extra |= AD
    header = _HEADER.pack(
        query.id, reply_flags(query.flags, records.rcode, extra), 1, an, ns, ar + query.edns
    )
    data = aged_data(records, now_ttls) if now_ttls is not None else records.data
    tail = opt_record(query.do) if query.edns else b""
    return header + query.question + data + tail


def aged_data(records: Records, ttls: tuple[int, ...]) -> bytes:
    """``records.data`` with its TTLs replaced by ``ttls`` (one per record, in order)."""
    if not records.ttl_offsets:
        return records.data
    patched = bytearray(records.data)
    for offset, value in zip(records.ttl_offsets, ttls, strict=True):
        struct.pack_into(">I", patched, offset, value)
    return bytes(patched)


def fit_udp(query: Query, reply: bytes) -> bytes:
    """The reply, or a truncated (TC) one when it exceeds what the client accepts over UDP."""
    if len(reply) <= query.udp_size:
        return reply
    return question_reply(query, reply[3] & 0xF, TC | (struct.unpack_from(">H", reply, 2)[0] & AA))


def upstream_records(query: Query, msg: bytes, max_ttl: int = 86400) -> Records:
    """Check an upstream reply answers ``query`` and extract its records for reuse.

    The reply's question must be the query's (same name, type, class). Its OPT record is
    dropped (Harbour adds its own). Raises :class:`FormatError` on anything malformed.
    """
    if len(msg) < 12:
        raise FormatError("upstream reply shorter than a header")
    try:  # check every record's data too: a broken reply must not reach the clients
        dns.message.from_wire(msg, ignore_trailing=False)
    except (dns.exception.DNSException, ValueError, IndexError) as exc:
        raise FormatError(f"malformed upstream reply: {exc}") from None
    _ident, flags, qdcount, ancount, nscount, arcount = _HEADER.unpack_from(msg)
    if not flags & QR or qdcount != 1:
        raise FormatError("upstream reply is not a one-question response")
    start = 12 + len(query.question)
    if msg[12:start].lower() != query.question.lower():
        raise FormatError("upstream reply is for a different question")
    kept = bytearray()
    offsets: list[int] = []
    ttls: list[int] = []
    negative: int | None = None
    offset = start
    counts = [ancount, nscount, 0]
    for section, count in enumerate((ancount, nscount, arcount)):
        for _ in range(count):
            rr_start = offset
            offset = read_name(msg, offset)
            if offset + 10 > len(msg):
                raise FormatError("upstream record header runs past the end")
            rtype, _rclass, ttl, rdlength = _RR_FIXED.unpack_from(msg, offset)
            rdata_at = offset + 10
            offset = rdata_at + rdlength
            if offset > len(msg):
                raise FormatError("upstream record data runs past the end")
            if rtype == TYPE_OPT:
                if section != 2 or offset != len(msg):
                    raise FormatError("upstream OPT record is not the last record")
                continue
            ttl = min(ttl & 0x7FFFFFFF, max_ttl)
            if rtype == TYPE_SOA and section == 1:
                negative = min(ttl, _soa_minimum(msg, rdata_at, offset))
            offsets.append(len(kept) + (rdata_at - 6 - rr_start))
            ttls.append(ttl)
            kept += msg[rr_start:offset]
            if section == 2:
                counts[2] += 1
    if offset != len(msg):
        raise FormatError("trailing bytes after the upstream reply")
    rcode = flags & 0xF
    cache_ttl = _cache_ttl(rcode, ancount, ttls[:ancount], negative)
    return Records(
        rcode, flags & (AA | AD), (counts[0], counts[1], counts[2]), bytes(kept),
        tuple(offsets), tuple(ttls), cache_ttl,
    )  # fmt: skip


def _soa_minimum(msg: bytes, rdata_at: int, end: int) -> int:
    offset = read_name(msg, rdata_at)
    offset = read_name(msg, offset)
    if offset + 20 != end:
        raise FormatError("malformed SOA record")
    return struct.unpack_from(">I", msg, offset + 16)[0] & 0x7FFFFFFF


def _cache_ttl(rcode: int, ancount: int, answer_ttls: list[int], negative: int | None) -> int:
    if rcode == NOERROR and ancount:
        return min(answer_ttls)
    if rcode in (NOERROR, NXDOMAIN) and negative is not None:
        return negative  # RFC 2308: min(SOA TTL, SOA MINIMUM)
    return 0  # errors, and negative answers without an SOA, are not cached


def synthetic_records(rcode: int, answers: list[bytes], ttl: int) -> Records:
    """Records made by Harbour itself (block answers): fixed TTLs, never aged."""
    return Records(rcode, 0, (len(answers), 0, 0), b"".join(answers), (), (), ttl)


def as_message(question: bytes, records: Records) -> bytes:
    """A standalone reply message holding ``records`` (pointers into ``question`` stay valid)."""
    an, ns, ar = records.counts
    header = _HEADER.pack(0, QR | RA | records.flags | records.rcode, 1, an, ns, ar)
    return header + question + records.data
