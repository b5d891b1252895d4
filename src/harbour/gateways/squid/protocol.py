"""Squid's helper protocol: request lines in, reply lines out (Squid 4, 5 and 6).

A ``url_rewrite_program`` request is ``[channel-ID SP] URL [SP extras]``; with Squid's default
``url_rewrite_extras`` the extras are ``client-ip/fqdn user method myip=... myport=...``, the
user being ``-`` when the proxy does not authenticate. The channel ID is present only when
``url_rewrite_children ... concurrency=N`` is above zero, and every reply must echo it.

Replies: ``OK status=302 url="..."`` (redirect), ``OK rewrite-url="..."`` (fetch another URL
instead), ``ERR`` (leave the request alone) and ``BH message="..."`` (the helper could not
answer; Squid logs the message).
"""

from __future__ import annotations

from urllib.parse import unquote

NO_USER = "-"


# One request line split into the fields Harbour uses, as Squid sent them:
# (channel, url, client, user, method). ``channel`` is echoed back in the reply (None without
# concurrency); ``client`` is "ip/fqdn" (default extras) or "ip", "-" when unknown; ``user`` is
# the URL-escaped user name, "-" when the proxy does not authenticate. A plain tuple: it is
# built for every request.
HelperRequest = tuple[str | None, str, str, str, str | None]


class ProtocolError(ValueError):
    """A request line that cannot be answered (the reply is ``BH``)."""

    def __init__(self, message: str, channel: str | None) -> None:
        super().__init__(message)
        self.channel = channel


def parse_request(line: str) -> HelperRequest:
    """Split one request line (without its newline). Raises :class:`ProtocolError`."""
    fields = line.split(None, 5)
    channel = fields.pop(0) if fields and fields[0].isdigit() else None
    count = len(fields)
    if not count:
        raise ProtocolError("empty request: no URL", channel)
    return (
        channel,
        fields[0],
        fields[1] if count > 1 else NO_USER,
        fields[2] if count > 2 else NO_USER,
        fields[3] if count > 3 else None,
    )


def client_address(client: str) -> str | None:
    """The client IP from the ``ip/fqdn`` field, or None when Squid did not know it."""
    address = client.split("/", 1)[0]
    return None if address in ("", NO_USER) else address


def user_name(user: str) -> str | None:
    """The user name from its (URL-escaped) field, or None without authentication."""
    if user == NO_USER or not user:
        return None
    return unquote(user) if "%" in user else user


def _quoted(value: str) -> str:
    """A kv-pair value in Squid's quoted-string form."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def redirect_reply(channel: str | None, location: str, status: int = 302) -> str:
    """Send the client to ``location`` instead (the block page, or a safe-search URL)."""
    reply = f"OK status={status} url={_quoted(location)}\n"
    return reply if channel is None else f"{channel} {reply}"


def rewrite_reply(channel: str | None, url: str) -> str:
    """Fetch ``url`` in place of the requested one, without telling the client."""
    reply = f"OK rewrite-url={_quoted(url)}\n"
    return reply if channel is None else f"{channel} {reply}"


def pass_reply(channel: str | None) -> str:
    """Leave the request as it is."""
    return "ERR\n" if channel is None else f"{channel} ERR\n"


def broken_reply(channel: str | None, message: str) -> str:
    """The helper could not answer this line; Squid logs ``message``."""
    reply = f"BH message={_quoted(' '.join(message.split()))}\n"
    return reply if channel is None else f"{channel} {reply}"
