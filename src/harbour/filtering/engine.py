"""The filtering engine: who, when and which URL in; allow or block, with the reason, out.

Decision order (first that applies wins):

1. the locked tier (IWF / CTIRU feeds and the policy's ``[locked]`` lists): always block;
2. an approved, unexpired override for one of the person's groups (domain or category);
3. the school's own allow lists (``[local_lists]`` with ``usage = "allow"``);
4. the User Actions matrix: every activity row naming a matched category is judged with
   :func:`harbour.policy.matrix.judge_activity`; any row that blocks, blocks;
5. the school's own block lists that no row names: block;
6. otherwise allow (the site is in no category the policy restricts).

The engine reads the policy snapshot and the compiled lists, and :meth:`FilterEngine.maybe_reload`
picks up new ones within a second of their being written, without a restart.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import threading
import time
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harbour.filtering.compiled import Segment, SegmentBuilder
from harbour.filtering.decision import ALLOW, BLOCK, Decision, Reason, Who
from harbour.filtering.entries import domain_entry, url_entry
from harbour.filtering.lists import ListStore
from harbour.filtering.matcher import Match, Matcher, host_suffixes
from harbour.filtering.safesearch import safe_host, safe_url, strictest
from harbour.filtering.searchterms import search_terms
from harbour.filtering.urlnorm import UrlError, normalise_host, normalise_url
from harbour.policy.load import load_policy
from harbour.policy.matrix import Verdict, judge_activity
from harbour.policy.model import LEVEL_TITLES, Level, Policy
from harbour.policy.snapshot import Override, Snapshot, read_snapshot, write_snapshot

log = logging.getLogger(__name__)

_RELOAD_INTERVAL = 1.0  # seconds between cheap stat checks
_CACHE_SIZE = 8192  # decisions kept per process; traffic repeats URLs (pages, assets, polling)
_SEVERITY = {level: rank for rank, level in enumerate(Level)}
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class EngineError(Exception):
    """The engine cannot start or cannot answer (no snapshot, unknown group, ...)."""


def compile_policy(policy_path: Path, data_dir: Path) -> Path:
    """Validate a policy file and write it as the data dir's snapshot; return the snapshot path.

    Directory data (users, devices, overrides) already in an existing snapshot is kept: the
    web application writes those, and re-compiling the policy must not lose them.
    """
    text = Path(policy_path).read_text(encoding="utf-8")
    load_policy(policy_path)  # raises PolicyError with file:line problems
    target = Path(data_dir) / "policy.json"
    snapshot = Snapshot(policy_text=text)
    if target.exists():
        old = read_snapshot(target)
        snapshot = Snapshot(
            policy_text=text, users=old.users, devices=old.devices, overrides=old.overrides
        )
    snapshot.written_at = datetime.now(UTC).isoformat(timespec="seconds")
    write_snapshot(target, snapshot)
    return target


def local_segment(policy: Policy) -> Segment:
    """The policy's ``[local_lists]`` compiled in memory, one category per list."""
    builder = SegmentBuilder("local", source="policy")
    for name, local in policy.local_lists.items():
        try:
            domains = [domain_entry(d.strip().lower()) for d in local.domains]
            urls = [url_entry(u.strip()) for u in local.urls]
        except UrlError as exc:
            raise EngineError(f"local_lists.{name}: {exc}") from None
        builder.category(name, "white" if local.usage == "allow" else "black")
        builder.add_domains(name, domains + [h for h, p in urls if not p])
        builder.add_urls(name, [(h, p) for h, p in urls if p])
    return builder.build()


@dataclass
class _State:
    """Everything one decision reads, swapped as a whole on reload."""

    snapshot: Snapshot
    policy: Policy
    matcher: Matcher
    generation: str | None
    by_category: dict[str, list[str]] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    allow_lists: frozenset[str] = frozenset()
    block_lists: frozenset[str] = frozenset()
    networks: list[tuple[_Network, str, str | None]] = field(default_factory=list)
    boundaries: list[float] = field(default_factory=list)
    rows: dict[tuple[str, frozenset[str], int], Verdict] = field(default_factory=dict)
    cache: dict[tuple[str, str, frozenset[str]], tuple[float, float, Decision]] = field(
        default_factory=dict
    )

    def judge_row(self, name: str, groups: frozenset[str], moment: datetime) -> Verdict:
        """:func:`judge_activity` for one row, remembered for the rest of the minute (the
        policy's windows are whole minutes, so nothing else can change the answer)."""
        key = (name, groups, int(moment.timestamp() // 60))
        verdict = self.rows.get(key)
        if verdict is None:
            if len(self.rows) >= _CACHE_SIZE:
                self.rows.clear()
            verdict = self.rows[key] = judge_activity(
                self.policy, self.policy.activities[name], groups, moment
            )
        return verdict

    def cached(
        self, key: tuple[str, str, frozenset[str]], moment: datetime, decide: Callable[[], Decision]
    ) -> Decision:
        """A decision from the cache while still valid at ``moment``, else ``decide()``.

        A decision depends on the groups, the URL and the time only through minute-aligned
        windows and override periods, so it holds until the next minute or override boundary.
        """
        stamp = moment.timestamp()
        hit = self.cache.get(key)
        if hit is not None and hit[0] <= stamp < hit[1]:
            return hit[2]
        decision = decide()
        start = stamp - stamp % 60
        end = start + 60
        index = bisect_right(self.boundaries, stamp)
        if index:
            start = max(start, self.boundaries[index - 1])
        if index < len(self.boundaries):
            end = min(end, self.boundaries[index])
        if len(self.cache) >= _CACHE_SIZE:
            self.cache.clear()
        self.cache[key] = (start, end, decision)
        return decision

    @classmethod
    def build(cls, snapshot: Snapshot, segments: list[Segment], generation: str | None) -> _State:
        policy = snapshot.policy
        matcher = Matcher([*segments, local_segment(policy)])
        state = cls(snapshot, policy, matcher, generation)
        canonical = matcher.aliases
        for name, activity in policy.activities.items():
            for listed in activity.lists:
                state.by_category.setdefault(canonical.get(listed, listed), []).append(name)
        # Entries of locked feeds are locked by where they come from (Match.locked); a category
        # of the ordinary lists is locked only if the policy's [locked] names it.
        state.locked = frozenset(canonical.get(n, n) for n in policy.locked.lists)
        state.allow_lists = frozenset(
            n for n, ll in policy.local_lists.items() if ll.usage == "allow"
        )
        state.block_lists = frozenset(
            n for n, ll in policy.local_lists.items() if ll.usage == "block"
        )
        rows: list[tuple[str, str, str | None]] = [
            (d.cidr, d.group, d.name) for d in snapshot.devices if d.cidr and not d.ip
        ]
        rows += [(n.cidr, n.group, None) for n in policy.filtering.networks]
        state.boundaries = sorted(
            {
                datetime.fromisoformat(t).timestamp()
                for o in snapshot.overrides
                for t in (o.starts, o.expires)
            }
        )
        state.networks = sorted(
            ((ipaddress.ip_network(c, strict=False), g, dev) for c, g, dev in rows),
            key=lambda row: -row[0].prefixlen,
        )
        return state


class FilterEngine:
    """Decides requests from a policy snapshot and compiled lists; safe to share across threads."""

    def __init__(self, load_snapshot: _SnapshotSource, store: ListStore) -> None:
        self._source = load_snapshot
        self._store = store
        self._lock = threading.Lock()
        self._checked = 0.0
        self._stamp = self._source.stamp(), store.generation()
        self._state = _State.build(self._source.load(), _open_segments(store), self._stamp[1])

    # -- construction ----------------------------------------------------------------------

    @classmethod
    def open(cls, data_dir: Path) -> FilterEngine:
        """The engine for a data dir: its ``policy.json`` snapshot and its compiled lists."""
        path = Path(data_dir) / "policy.json"
        if not path.is_file():
            raise EngineError(
                f"no policy snapshot at {path}; run 'harbour filter compile-policy POLICY' "
                "or pass --policy FILE"
            )
        return cls(
            _SnapshotSource(path, from_policy_file=False), ListStore(Path(data_dir) / "lists")
        )

    @classmethod
    def from_policy(cls, policy_path: Path, data_dir: Path) -> FilterEngine:
        """The engine for a policy file used directly (no directory data), with the data
        dir's compiled lists."""
        load_policy(policy_path)  # report every problem with its line before starting
        return cls(
            _SnapshotSource(Path(policy_path), from_policy_file=True),
            ListStore(Path(data_dir) / "lists"),
        )

    # -- facts -----------------------------------------------------------------------------

    @property
    def policy(self) -> Policy:
        """The policy in force."""
        return self._state.policy

    @property
    def policy_version(self) -> str:
        """The version of the policy in force (a hash of its text)."""
        return self._state.policy.version

    @property
    def lists_generation(self) -> str | None:
        """The compiled lists generation in force, or None when no lists are imported."""
        return self._state.generation

    @property
    def matcher(self) -> Matcher:
        """The list matcher in force."""
        return self._state.matcher

    # -- who -------------------------------------------------------------------------------

    def who_for_user(self, name: str, ip: str | None = None) -> Who:
        """A directory user (proxy authentication); unknown users get the unknown-clients group.
        With ``ip``, the device registered at that address is named too (for the logs)."""
        state = self._state
        groups = state.snapshot.users.get(name)
        if not groups:
            groups = [state.policy.filtering.unknown_clients_group]
        device = self.who_for_ip(ip).device if ip else None
        return Who(user=name, groups=frozenset(groups), ip=ip, device=device)

    def unlisted_categories(self) -> list[str]:
        """Lists the policy names that neither the imported lists nor the policy provide:
        rows naming them can never match (import them, or fix the policy)."""
        state = self._state
        provided = {c for s in state.matcher.segments for c in s.categories} | set(
            state.matcher.aliases
        )
        named = [n for a in state.policy.activities.values() for n in a.lists]
        return sorted({n for n in named + list(state.policy.locked.lists) if n not in provided})

    def who_for_group(self, group: str) -> Who:
        """Anyone in ``group`` (a group the policy defines)."""
        if group not in self._state.policy.groups:
            known = ", ".join(self._state.policy.groups)
            raise EngineError(f"unknown group {group!r}; the policy defines: {known}")
        return Who(groups=frozenset([group]))

    def who_for_ip(self, ip: str, when: datetime | None = None) -> Who:
        """A client address: a registered device, else a device or network range (most
        specific first), else the policy's unknown-clients group."""
        state = self._state
        try:
            address = ipaddress.ip_address(ip.strip().strip("[]"))
        except ValueError:
            raise EngineError(f"not an IP address: {ip!r}") from None
        now = self._moment(when)
        text = str(address)
        for device in state.snapshot.devices:
            if device.ip == text and _current(device.expires, now):
                return Who(groups=frozenset([device.group]), ip=text, device=device.name)
        for network, group, device_name in state.networks:
            if address.version == network.version and address in network:
                return Who(groups=frozenset([group]), ip=text, device=device_name)
        return Who(groups=frozenset([state.policy.filtering.unknown_clients_group]), ip=text)

    # -- decisions -------------------------------------------------------------------------

    def decide(self, who: Who, url: str, when: datetime | None = None) -> Decision:
        """Decide a request for ``url`` (any spelling) by ``who`` at ``when`` (default now;
        a naive time is in the school's timezone). Never raises for a bad URL: it is blocked
        with ``error`` set."""
        state, moment = self._state, self._moment(when)
        return state.cached(
            ("url", url, who.groups), moment, lambda: _decide_url(state, who, url, moment)
        )

    def decide_host(self, who: Who, host: str, when: datetime | None = None) -> Decision:
        """Decide a DNS query for ``host``: whole-domain entries only (a resolver never sees
        paths, so page-level URL entries cannot apply)."""
        state, moment = self._state, self._moment(when)
        return state.cached(
            ("host", host, who.groups), moment, lambda: _decide_host(state, who, host, moment)
        )

    # -- reloading -------------------------------------------------------------------------

    def maybe_reload(self, force: bool = False) -> bool:
        """Reload if the snapshot or the lists changed; checks at most once a second unless
        ``force``. A broken new snapshot is logged and the one in force keeps serving."""
        now = time.monotonic()
        if not force and now - self._checked < _RELOAD_INTERVAL:
            return False
        self._checked = now
        stamp = self._source.stamp(), self._store.generation()
        if stamp == self._stamp:
            return False
        with self._lock:
            try:
                state = _State.build(self._source.load(), _open_segments(self._store), stamp[1])
            except Exception as exc:  # keep filtering with what we have; say why loudly
                log.error("filter reload failed, keeping the policy and lists in force: %s", exc)
                self._stamp = stamp
                return False
            self._state, self._stamp = state, stamp
        return True

    def _moment(self, when: datetime | None) -> datetime:
        if when is None:
            return datetime.now(UTC)
        return when if when.tzinfo is not None else when.replace(tzinfo=self._state.policy.zone())


class _SnapshotSource:
    """Where the snapshot comes from: a ``policy.json`` or a policy file used directly."""

    def __init__(self, path: Path, from_policy_file: bool) -> None:
        self.path = path
        self.from_policy_file = from_policy_file

    def stamp(self) -> tuple[int, int, int] | None:
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return info.st_ino, info.st_mtime_ns, info.st_size

    def load(self) -> Snapshot:
        if self.from_policy_file:
            return Snapshot(policy_text=self.path.read_text(encoding="utf-8"))
        return read_snapshot(self.path)


def _decide_url(state: _State, who: Who, url: str, moment: datetime) -> Decision:
    try:
        normal = normalise_url(url)
    except UrlError as exc:
        return _error(url, str(exc), state.policy.version)
    verdict = _judge(state, who, normal.host, state.matcher.match(normal), moment)
    mode = _safe_mode(state, who) if verdict.action == ALLOW else None
    return verdict.decision(
        normal.url,
        search_terms=tuple(search_terms(normal)),
        safe_search=safe_host(normal.host, mode),
        safe_search_url=safe_url(normal, mode),
    )


def _decide_host(state: _State, who: Who, host: str, moment: datetime) -> Decision:
    try:
        name = normalise_host(host)
    except UrlError as exc:
        return _error(host, str(exc), state.policy.version)
    verdict = _judge(state, who, name, state.matcher.match_host(name), moment)
    mode = _safe_mode(state, who) if verdict.action == ALLOW else None
    return verdict.decision(name, safe_search=safe_host(name, mode))


def _open_segments(store: ListStore) -> list[Segment]:
    # A generation can be pruned between readlink and open by a second import; try again.
    for _ in range(3):
        try:
            return store.segments()
        except FileNotFoundError:
            continue
    return store.segments()


def _current(expires: str | None, now: datetime) -> bool:
    return expires is None or now < datetime.fromisoformat(expires)


def _safe_mode(state: _State, who: Who) -> str | None:
    modes = state.policy.filtering.safe_search
    return strictest(modes[g] for g in who.groups if g in modes)


def _error(text: str, message: str, version: str) -> Decision:
    return Decision(
        url=text,
        host="",
        action=BLOCK,
        reason="This address could not be understood, so it was blocked to be safe.",
        reason_code=Reason.ERROR,
        policy_version=version,
        error=message,
    )


def _unique(matches: list[Match]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.category for m in matches))


def _override_for(
    overrides: list[Override], who: Who, host: str, categories: tuple[str, ...], moment: datetime
) -> Override | None:
    if not overrides:
        return None
    suffixes = set(host_suffixes(host)) if host else set()
    for override in overrides:
        kind, _, target = override.target.partition(":")
        hit = (kind == "domain" and target.lower().strip(".") in suffixes) or (
            kind == "category" and target in categories
        )
        if hit and who.groups & set(override.groups) and override.active(moment):
            return override
    return None


@dataclass
class _Verdict:
    """The outcome of the decision order, before the request-specific extras are added."""

    host: str
    matches: list[Match]
    version: str
    action: str = ALLOW
    reason: str = "Not in any category the policy restricts."
    reason_code: Reason = Reason.DEFAULT
    activity: str | None = None
    level: str | None = None
    rule: str | None = None

    def decision(self, url: str, **extras: Any) -> Decision:
        return Decision(
            url=url,
            host=self.host,
            action=self.action,
            reason=self.reason,
            reason_code=self.reason_code,
            policy_version=self.version,
            categories=_unique(self.matches),
            matches=tuple(self.matches),
            activity=self.activity,
            level=self.level,
            rule=self.rule,
            **extras,
        )


def _judge(state: _State, who: Who, host: str, matches: list[Match], moment: datetime) -> _Verdict:
    """Apply the decision order (see the module docstring) to the matches of one request."""
    policy = state.policy
    verdict = _Verdict(host, matches, policy.version)
    if not matches:
        return verdict  # most traffic: in no list at all
    categories = _unique(matches)
    locked = [m.category for m in matches if m.locked or m.category in state.locked]
    if locked:
        verdict.action, verdict.reason_code = BLOCK, Reason.LOCKED
        verdict.activity = next(iter(state.by_category.get(locked[0], [])), None)
        verdict.level, verdict.rule = Level.UNACCEPTABLE_ILLEGAL.value, f"locked.{locked[0]}"
        verdict.reason = (
            "This is on a list of illegal content. It is always blocked and cannot be unblocked."
        )
        return verdict
    override = _override_for(state.snapshot.overrides, who, host, categories, moment)
    if override is not None:
        verdict.reason_code, verdict.rule = Reason.OVERRIDE, f"override:{override.id}"
        why = f": {override.reason}" if override.reason else "."
        verdict.reason = f"Unblocked for your group until {override.expires}{why}"
        return verdict
    allowed_by = [c for c in categories if c in state.allow_lists]
    if allowed_by:
        verdict.reason_code, verdict.rule = Reason.ALLOWLIST, f"local_lists.{allowed_by[0]}"
        verdict.reason = (
            f"Allowed by the school: {policy.local_lists[allowed_by[0]].title or allowed_by[0]}."
        )
        return verdict
    judged: dict[str, Verdict] = {}
    for category in categories:
        for name in state.by_category.get(category, ()):
            if name not in judged:
                judged[name] = state.judge_row(name, who.groups, moment)
    if judged:
        blocking = [(n, v) for n, v in judged.items() if not v.allowed]
        name, row = (
            max(blocking, key=lambda nv: _SEVERITY[nv[1].level])
            if blocking
            else next(iter(judged.items()))
        )
        words = (
            LEVEL_TITLES[row.level] if row.reason in ("acceptable", "unacceptable") else row.reason
        )
        verdict.action = BLOCK if blocking else ALLOW
        verdict.reason_code, verdict.activity, verdict.level = Reason.POLICY, name, row.level.value
        verdict.rule = f"activities.{name}:{row.selector}"
        verdict.reason = f"{policy.activities[name].title or name}: {words[0].lower() + words[1:]}."
        return verdict
    blocked_by = [c for c in categories if c in state.block_lists]
    if blocked_by:
        verdict.action, verdict.reason_code = BLOCK, Reason.BLOCKLIST
        verdict.rule = f"local_lists.{blocked_by[0]}"
        verdict.reason = (
            f"Blocked by the school: {policy.local_lists[blocked_by[0]].title or blocked_by[0]}."
        )
    return verdict
