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

Everything else goes to :meth:`FilterEngine.decide`, which stays the only place that decides.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from harbour.filtering import EngineError, FilterEngine, NormalURL
from harbour.filtering.compiled import key_hash
from harbour.filtering.decision import Decision, Who
from harbour.filtering.matcher import host_suffixes
from harbour.filtering.searchterms import search_terms
from harbour.gateways.squid.blockpage import BlockPage
from harbour.gateways.squid.events import EventEncoder
from harbour.policy.model import Level
from harbour.policy.snapshot import read_snapshot

# scheme, host (lower-case name, no port or user), path, query: the shapes the engine's
# normaliser leaves unchanged. Anything else (escapes, upper case, ports, IDN) is normalised by
# the engine itself.
_PLAIN_URL = re.compile(
    r"(https?)://([a-z0-9_][a-z0-9_.-]*)(/[!-\"$&-\x3e@-~]*)?(\?[!-\"$&-~]*)?\Z"
)
_DOT_SEGMENT = re.compile(r"//|/\.\.?(?:/|\Z)")
_MAX_ENTRIES = 250_000  # per cache; a cache this full is simply emptied
_TIMED = Level.AT_CERTAIN_TIMES.value


class Verdict(NamedTuple):
    """A decision with the pieces the helper derives from it once."""

    decision: Decision
    cacheable: bool
    until: float  # Unix time after which the decision must be made again
    event: str  # the decision's part of each event (JSON members)
    details: str | None  # the block page's query string when blocked


class Client(NamedTuple):
    """Who a request is filtered as, and the cache key of their decisions."""

    who: Who
    key: frozenset[str]
    event: str  # the client's part of each event (JSON members)


def plain_parts(url: str) -> tuple[str, str] | None:
    """``(host, host/path?query)`` if ``url`` is already in normal form, else None."""
    found = _PLAIN_URL.match(url)
    if found is None:
        return None
    _, host, path, query = found.groups()
    if host.endswith(".") or ".." in host or (path and _DOT_SEGMENT.search(path)):
        return None
    if host.rpartition(".")[2].isdigit():
        return None  # IPv4 literals have other spellings; the engine settles them
    return host, f"{host}{path or '/'}{query or ''}"


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
        self.clients: dict[tuple[str | None, str | None], Client] = {}
        self.verdicts: dict[tuple[frozenset[str], str], Verdict] = {}
        self.hits = 0
        self.misses = 0
        self._expressions: re.Pattern[str] | None = None
        self._boundary = math.inf
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every cached decision (after a reload, or when an override starts or ends)."""
        self.clients.clear()
        self.verdicts.clear()
        self._expressions = _expressions(self.engine)
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

    def client(self, ip: str | None, user: str | None) -> Client:
        """The person (proxy user name) or else the device or network at ``ip``."""
        key = (ip, user)
        found = self.clients.get(key)
        if found is None:
            who = self._who(ip, user)
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

    def decide(self, client: Client, url: str, now: float) -> Verdict:
        """The verdict for ``url`` (as Squid sent it) for ``client`` at Unix time ``now``."""
        parts = plain_parts(url)
        if parts is not None:
            host, host_path = parts
            cached = self.verdicts.get((client.key, host))
            if cached is not None and now < cached.until and self._host_level(url, host_path):
                self.hits += 1
                return cached
        self.misses += 1
        verdict = self._engine_verdict(client.who, url, now)
        if parts is not None and verdict.cacheable and verdict.decision.host == parts[0]:
            if len(self.verdicts) >= _MAX_ENTRIES:
                self.verdicts.clear()
            self.verdicts[(client.key, parts[0])] = verdict
        return verdict

    def _host_level(self, url: str, host_path: str) -> bool:
        """Whether a host's cached decision applies to this URL (no expression or search
        terms in it)."""
        if self._expressions is not None and self._expressions.search(host_path):
            return False
        host, _, query = host_path.partition("?")
        if not query:
            return True
        host, _, path = host.partition("/")
        return not search_terms(NormalURL(url[: url.index(":")], host, None, "/" + path, query))

    def _engine_verdict(self, who: Who, url: str, now: float) -> Verdict:
        moment = datetime.fromtimestamp(now, UTC)
        decision = self.engine.decide(who, url, moment)
        cacheable = (
            decision.error is None
            and not decision.safe_search
            and not decision.search_terms
            and all(m.kind == "domain" for m in decision.matches)
            and not _has_url_entries(self.engine, decision.host)
        )
        until = (now // 60 + 1) * 60 if decision.level == _TIMED else math.inf
        details = self.block_page.details(decision) if decision.blocked else None
        return Verdict(decision, cacheable, until, self.encoder.decision_part(decision), details)


def _has_url_entries(engine: FilterEngine, host: str) -> bool:
    """Whether any list has page-level entries under ``host`` (then paths matter)."""
    segments = engine.matcher.segments
    hashes = [key_hash(suffix) for suffix in host_suffixes(host)]
    return any(s.has_url_host(hashed) for hashed in hashes for s in segments)


def _expressions(engine: FilterEngine) -> re.Pattern[str] | None:
    """One pattern that finds any list expression: a URL it matches is decided afresh."""
    patterns = [p for s in engine.matcher.segments for ps in s.expressions.values() for p in ps]
    if not patterns:
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    except re.error:
        return re.compile("")  # cannot combine them: every URL goes to the engine
