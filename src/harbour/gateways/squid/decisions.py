"""The helper's decisions: the filtering engine behind a per-host cache that cannot be wrong.

Deciding a URL from scratch (normalising it, hashing every parent domain, running the
expressions, judging the matrix) costs tens of microseconds; a browser fetching one page asks
about the same host many times. So decisions are cached per (groups, host), but only where
the rest of the URL provably cannot change the answer:

- the URL is already in normal form (lower-case host name, no port, no escapes, no ``..``),
  so the cached host *is* the host the engine would see and ``host/path?query`` is the text
  the engine's expressions would search;
- no list has URL entries under the host (those depend on the path) and the decision came
  from no expression; an expression that matches the new URL sends it to the engine;
- the decision carries no safe-search rewrite or search terms (those depend on the query),
  and a URL with a query whose terms the engine would log also goes to the engine;
- time: a decision made by an "at certain times" row holds until the end of the minute (the
  policy's windows are whole minutes); everything else holds until the next moment an
  override or device registration in the snapshot starts or expires, or a reload.

A host in no list and not a search engine's gets the same decision whoever asks (the decision
order ends at "allow" before any group is looked at), so it is cached once for every group.

Everything else goes to :meth:`FilterEngine.decide`, which stays the only place that decides.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from itertools import islice
from json.encoder import encode_basestring_ascii as json_string  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any, NamedTuple

from harbour.filtering import EngineError, FilterEngine, NormalURL
from harbour.filtering.decision import Decision, Who
from harbour.filtering.safesearch import engine_of
from harbour.filtering.searchterms import is_search_host, search_terms
from harbour.gateways.squid.blockpage import BlockPage
from harbour.gateways.squid.events import EventEncoder
from harbour.gateways.squid.protocol import client_address, user_name
from harbour.policy.model import Level
from harbour.policy.snapshot import read_snapshot

_DOT_SEGMENT = re.compile(r"//|/\.\.?(?:/|\Z)")
# Entries per cache (about 1 kB each with its decision): eight helper children stay well
# within memory. A full cache forgets its older half; busy hosts come straight back.
_MAX_ENTRIES = 50_000
_TIMED = Level.AT_CERTAIN_TIMES.value
_EVERYONE = None  # the cache key's groups part for decisions that are the same for all groups
# A decision's fields apart from the request's own (URL, host, what depends on the query) and
# the list entries that matched (neither the events nor the block page show them): decisions
# alike in these have the same event fields and block-page details, so those are built once.
_PER_REQUEST = {"url", "host", "search_terms", "safe_search", "safe_search_url", "matches"}
_SHAPE = [name for name in Decision._fields if name not in _PER_REQUEST]


class Verdict(NamedTuple):
    """A decision with the pieces the helper derives from it once."""

    decision: Decision
    cacheable: bool
    until: float  # Unix time after which the decision must be made again
    event: str  # the decision's part of each event (JSON members)
    details: str | None  # the block page's query string when blocked
    host: str  # the decision's host as a JSON string, for the events
    search_host: bool  # whether the host's URLs can carry search terms (then queries matter)
    everyone: bool  # the same for every group: the host is in no list and no search engine's


class Client(NamedTuple):
    """Who a request is filtered as, and the cache key of their decisions."""

    who: Who
    key: frozenset[str]
    event: str  # the client's part of each event (JSON members)


def plain_parts(url: str) -> tuple[str, str, str, str | None] | None:
    """``(scheme, authority, path, query)`` when the path and query of ``url`` are already in
    the engine's normal form (printable ASCII, no escapes, no ``//`` or dot segments).

    The authority is not checked here: it is only ever found in the host cache if the engine
    normalised it to itself (so upper case, ports, user names and odd IP spellings miss).
    """
    if url.startswith("http://"):
        scheme, rest = "http", url[7:]
    elif url.startswith("https://"):
        scheme, rest = "https", url[8:]
    else:
        return None
    if not (rest.isascii() and rest.isprintable()) or "%" in rest or "#" in rest:
        return None
    slash, mark = rest.find("/"), rest.find("?")
    if mark >= 0 and (slash < 0 or mark < slash):
        return scheme, rest[:mark], "/", rest[mark + 1 :]
    if slash < 0:
        return scheme, rest, "/", None
    path = rest[slash:] if mark < 0 else rest[slash:mark]
    if ("//" in path or "/." in path) and _DOT_SEGMENT.search(path):
        return None
    return scheme, rest[:slash], path, None if mark < 0 else rest[mark + 1 :]


def connect_url(authority: str) -> str:
    """The URL a CONNECT request (``host:port``) is decided as: the site's root over HTTPS."""
    host, _, port = authority.rpartition(":")
    if not host or not port.isdigit():
        return "https://" + authority + "/"
    return f"https://{host}/" if port == "443" else f"https://{host}:{port}/"


class CachedDecider:
    """A :class:`FilterEngine` with per-client and per-host caches, and reloading."""

    def __init__(
        self,
        engine: FilterEngine,
        snapshot: Path | None = None,
        encoder: EventEncoder | None = None,
        block_page: BlockPage | None = None,
    ) -> None:
        self.engine = engine
        self.snapshot = snapshot
        self.encoder = encoder or EventEncoder()
        self.block_page = block_page or BlockPage()
        self.clients: dict[tuple[str, str], Client] = {}
        self.verdicts: dict[tuple[frozenset[str] | None, str], Verdict] = {}
        self.shapes: dict[tuple[object, ...], tuple[str, str | None]] = {}
        self.hits = 0
        self.misses = 0
        self._boundary = math.inf
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every cached decision (after a reload, or when an override starts or ends)."""
        self.clients.clear()
        self.verdicts.clear()
        self.shapes.clear()
        self._matcher = self.engine.matcher  # the reload that calls this may have replaced it
        self._boundary = self._next_boundary(datetime.now(UTC))

    def tick(self, now: float) -> None:
        """Reload if the snapshot or lists changed (checked once a second) and drop what a
        reload or the clock made stale."""
        if self.engine.maybe_reload() or now >= self._boundary:
            self.reset()

    def _next_boundary(self, now: datetime) -> float:
        """The next moment an override or device registration in the snapshot starts or ends."""
        if self.snapshot is None or not self.snapshot.is_file():
            return math.inf
        try:
            snap = read_snapshot(self.snapshot)
        except (OSError, ValueError):
            return math.inf  # the engine keeps its last good snapshot, and so do we
        moments = [o.starts for o in snap.overrides] + [o.expires for o in snap.overrides]
        moments += [d.expires for d in snap.devices if d.expires]
        later = [t for t in (datetime.fromisoformat(m) for m in moments) if t > now]
        return min(later).timestamp() if later else math.inf

    # -- who -------------------------------------------------------------------------------

    def client(self, client: str, user: str) -> Client:
        """Who sends a request, from the helper request's ``client`` (``ip/fqdn``) and
        ``user`` fields: the proxy user, else the device or network at the address."""
        key = (client, user)
        found = self.clients.get(key)
        if found is None:
            who = self._who(client_address(client), user_name(user))
            found = Client(who, who.groups, self.encoder.client_part(who))
            if len(self.clients) >= _MAX_ENTRIES:
                self.clients.clear()
            self.clients[key] = found
        return found

    def _who(self, ip: str | None, user: str | None) -> Who:
        engine = self.engine
        if user:
            return engine.who_for_user(user, ip)
        if ip:
            try:
                return engine.who_for_ip(ip)
            except EngineError:
                pass  # not an address: filter as an unknown client
        return engine.who_for_group(engine.policy.filtering.unknown_clients_group)

    # -- decisions -------------------------------------------------------------------------

    def decide(self, client: Client, url: str, now: float) -> tuple[Verdict, str]:
        """The verdict for ``url`` (as Squid sent it) for ``client`` at Unix time ``now``, and
        the URL in normal form (for the event log)."""
        parts = plain_parts(url)
        if parts is not None:
            scheme, host, path, query = parts
            verdicts = self.verdicts
            cached = verdicts.get((client.key, host)) or verdicts.get((_EVERYONE, host))
            if (
                cached is not None
                and now < cached.until
                and not (
                    query
                    and cached.search_host
                    and search_terms(NormalURL(scheme, host, None, path, query))
                )
                and not self._matcher.expression_matches(
                    host + path if query is None else f"{host}{path}?{query}"
                )
            ):
                self.hits += 1
                return cached, url  # a plain URL is its own normal form
        self.misses += 1
        # A plain URL's decision is nearly always kept here, per host: the engine keeping it
        # too, per URL, would only double each helper's memory.
        verdict = self._engine_verdict(client.who, url, now, remember=parts is None)
        host = verdict.decision.host
        if parts is not None and verdict.cacheable and host == parts[1]:
            if len(self.verdicts) >= _MAX_ENTRIES:
                _forget_older_half(self.verdicts)
            self.verdicts[(_EVERYONE if verdict.everyone else client.key, host)] = verdict
        return verdict, verdict.decision.url

    def _engine_verdict(self, who: Who, url: str, now: float, remember: bool = True) -> Verdict:
        decision = self.engine.decide(who, url, datetime.fromtimestamp(now, UTC), remember=remember)
        cacheable = (
            decision.error is None
            and not decision.safe_search
            and not decision.search_terms
            and all(m.kind == "domain" for m in decision.matches)
            and not self._matcher.has_url_entries(decision.host)
        )
        until = (now // 60 + 1) * 60 if decision.level == _TIMED else math.inf
        shape = tuple([getattr(decision, name) for name in _SHAPE])
        derived = self.shapes.get(shape)
        if derived is None:  # most hosts share a handful of outcomes: encode each once
            details = self.block_page.details(decision) if decision.blocked else None
            derived = self.shapes[shape] = (self.encoder.decision_part(decision), details)
            if len(self.shapes) >= _MAX_ENTRIES:
                self.shapes.clear()
        search_host = is_search_host(decision.host)
        return Verdict(
            decision,
            cacheable,
            until,
            *derived,
            json_string(decision.host),
            search_host,
            # No entry matched, so the decision order ends at "allow" whoever asks; only a
            # search engine's answer (safe search) could still depend on the groups.
            cacheable
            and not decision.matches
            and not search_host
            and engine_of(decision.host) is None,
        )


def _forget_older_half(cache: dict[Any, Any]) -> None:
    """Drop the first-inserted half of ``cache`` (dicts keep insertion order)."""
    for key in list(islice(cache, len(cache) // 2)):
        del cache[key]
