"""URL normalisation: one canonical spelling for every way of writing the same address.

Filtering is only as good as its weakest spelling: a list entry for ``example.com`` must
match ``HTTP://User@EXAMPLE.com.:80/a/../``, ``http://xn--...`` written in Unicode, and an
IPv4 literal written as one decimal number. Everything is normalised here, before matching.

The path canonicalisation follows the widely used Safe Browsing rules: unescape repeatedly,
resolve ``.``/``..`` segments, collapse ``//``, then escape only control characters, spaces,
``#``, ``%`` and non-ASCII bytes, so two spellings of one path become identical strings.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?$")
# Separators browsers treat as dots in host names (ideographic and full-width full stops).
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_MAX_UNQUOTE_ROUNDS = 8
_CONTROL = re.compile(r"[\t\r\n]")
# Most URLs are already canonical: lower-case name, default port, plain ASCII path. Checking
# that with one regex is several times cheaper than the full normalisation.
_LABEL_RE = r"[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?"
# A name whose last label is a number (decimal, octal or 0x hex) is an IPv4 literal: not plain.
_NOT_NUMBER = r"(?!(?:[0-9]+|0x[0-9a-f]*)(?:[/?]|\Z))"
_HOST_RE = rf"(?:{_LABEL_RE}\.)*{_NOT_NUMBER}{_LABEL_RE}"
_SIMPLE = re.compile(
    rf"(https?)://({_HOST_RE})"
    r"(/[\x21\x22\x24\x26-\x3e\x40-\x7e]*)?"  # printable ASCII but for # % ?
    r"(?:\?([\x21\x22\x24\x26-\x7e]*))?"
)
_SIMPLE_HOST = re.compile(_HOST_RE)
_DOT_SEGMENT = re.compile(r"//|/\.\.?(?:/|$)")


class UrlError(ValueError):
    """A URL or host that cannot be normalised; the message says what is wrong."""


@dataclass(frozen=True)
class NormalURL:
    """A normalised URL. ``host`` has no brackets; ``path`` starts with ``/``."""

    scheme: str
    host: str
    port: int | None
    path: str
    query: str | None

    @property
    def netloc(self) -> str:
        """Host (IPv6 in brackets) and a non-default port."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.port is not None else host

    @property
    def host_path(self) -> str:
        """``host/path?query`` without scheme: the form UT1 ``urls`` entries are written in."""
        query = f"?{self.query}" if self.query is not None else ""
        return f"{self.netloc}{self.path}{query}"

    @property
    def url(self) -> str:
        """The whole normalised URL."""
        return f"{self.scheme}://{self.host_path}"

    def __str__(self) -> str:
        return self.url


def normalise_url(text: str) -> NormalURL:
    """Normalise ``text``; a URL without a scheme is taken as ``http://``.

    Raises :class:`UrlError` when there is no usable host or the address is malformed.
    """
    if not isinstance(text, str):
        raise UrlError("a URL must be text")
    simple = _SIMPLE.fullmatch(text)
    if simple and len(simple.group(2)) <= 253 and not _DOT_SEGMENT.search(simple.group(3) or ""):
        scheme, host, path, query = simple.groups()
        return NormalURL(scheme=scheme, host=host, port=None, path=path or "/", query=query)
    return _normalise_slowly(text)


def _normalise_slowly(text: str) -> NormalURL:
    raw = text.strip()
    if not raw:
        raise UrlError("empty URL")
    if _CONTROL.search(raw):
        raw = _CONTROL.sub("", raw)  # browsers drop tabs and newlines inside URLs
    found = _SCHEME.match(raw)
    if found and raw[found.end() : found.end() + 2] == "//":
        scheme, rest = found.group(1).lower(), raw[found.end() + 2 :]
    elif raw.startswith("//"):
        scheme, rest = "http", raw[2:]
    else:
        scheme, rest = "http", raw
    rest = rest.split("#", 1)[0]
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    path, _, query = tail.partition("?")
    host, port = _split_authority(authority, scheme)
    return NormalURL(
        scheme=scheme,
        host=host,
        port=port,
        path=_canonical_path(path),
        query=_escape(_unquote_fully(query)) if "?" in tail else None,
    )


def normalise_host(text: str) -> str:
    """Normalise a bare host name or IP literal (the DNS path): lower case, punycode, no dots
    at the ends, IPv4 in dotted decimal, IPv6 compressed without brackets."""
    if _SIMPLE_HOST.fullmatch(text) and len(text) <= 253:
        return text
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return _canonical_host(text)


def _split_authority(authority: str, scheme: str) -> tuple[str, int | None]:
    hostport = authority.rpartition("@")[2]  # userinfo never identifies the site
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise UrlError(f"unterminated IPv6 literal in {authority!r}")
        host_text, port_text = hostport[1:end], hostport[end + 1 :]
        if port_text and not port_text.startswith(":"):
            raise UrlError(f"unexpected text after IPv6 literal in {authority!r}")
        host = _canonical_ipv6(host_text)
        port_text = port_text[1:]
    else:
        host_text, _, port_text = hostport.partition(":")
        host = _canonical_host(host_text)
    return host, _port(port_text, scheme)


def _port(text: str, scheme: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise UrlError(f"invalid port {text!r}")
    port = int(text)
    return None if DEFAULT_PORTS.get(scheme) == port else port


def _canonical_host(text: str) -> str:
    host = _unquote_fully(text).decode("utf-8", "replace") if "%" in text else text
    host = host.translate(_DOTS).lower()
    if ":" in host:
        return _canonical_ipv6(host)
    host = re.sub(r"\.{2,}", ".", host).strip(".")
    if not host:
        raise UrlError("URL has no host")
    ipv4 = _parse_ipv4(host)
    if ipv4 is not None:
        return ipv4
    labels = [_ascii_label(label) for label in host.split(".")]
    host = ".".join(labels)
    if len(host) > 253:
        raise UrlError("host name is longer than 253 characters")
    return host


def _ascii_label(label: str) -> str:
    if label.isascii():
        if not _LABEL.fullmatch(label):
            raise UrlError(f"invalid host name label {label!r}")
        return label
    import idna  # only international names need it (and its tables cost a megabyte a process)

    try:
        encoded = idna.encode(label, uts46=True).decode("ascii")
    except idna.IDNAError:
        try:
            encoded = label.encode("idna").decode("ascii")  # IDNA 2003: older, looser names
        except UnicodeError:
            encoded = ""
    if not _LABEL.fullmatch(encoded):  # e.g. punctuation that IDNA 2003 lets through
        raise UrlError(f"invalid international host name label {label!r}")
    return encoded


def _canonical_ipv6(text: str) -> str:
    try:
        address = ipaddress.IPv6Address(text.split("%", 1)[0])
    except ValueError:
        raise UrlError(f"invalid IPv6 literal {text!r}") from None
    mapped = address.ipv4_mapped
    return str(mapped) if mapped is not None else address.compressed


def _ipv4_part(part: str) -> int | None:
    """One dotted part in decimal, hex (0x) or octal (leading 0); None if not numeric."""
    try:
        if part[:2] in ("0x", "0X"):
            return int(part[2:] or "0", 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part, 8)
        return int(part, 10) if part.isdigit() else None
    except ValueError:
        return None


def _parse_ipv4(host: str) -> str | None:
    """Dotted decimal for any IPv4 spelling browsers accept (as the WHATWG URL standard)."""
    parts = host.split(".")
    if not parts[-1] or _ipv4_part(parts[-1]) is None:
        return None  # a real host name: its last label is not a number
    numbers = [_ipv4_part(p) for p in parts]
    if len(parts) > 4 or any(n is None for n in numbers):
        raise UrlError(f"invalid IPv4 address {host!r}")
    values = [n for n in numbers if n is not None]
    *head, last = values
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(values)):
        raise UrlError(f"IPv4 address out of range {host!r}")
    number = last
    for index, value in enumerate(head):
        number += value << (8 * (3 - index))
    return str(ipaddress.IPv4Address(number))


def _unquote_fully(text: str) -> bytes:
    data = text.encode("utf-8", "surrogatepass")
    for _ in range(_MAX_UNQUOTE_ROUNDS):
        if b"%" not in data:
            break
        decoded = unquote_to_bytes(data)
        if decoded == data:
            break
        data = decoded
    return data


def _escape(data: bytes) -> str:
    """Escape the bytes that have no single unambiguous spelling."""
    out = []
    for byte in data:
        if byte <= 0x20 or byte >= 0x7F or byte in (0x23, 0x25):
            out.append(f"%{byte:02X}")
        else:
            out.append(chr(byte))
    return "".join(out)


def _canonical_path(path: str) -> str:
    data = _unquote_fully(path)
    segments: list[bytes] = []
    parts = data.split(b"/")
    for part in parts[1:] if data.startswith(b"/") else parts:
        if part == b"..":
            if segments:
                segments.pop()
        elif part not in (b".", b""):
            segments.append(part)
    trailing = data.endswith((b"/", b"/.", b"/..")) and bool(segments)
    return "/" + _escape(b"/".join(segments)) + ("/" if trailing else "")
