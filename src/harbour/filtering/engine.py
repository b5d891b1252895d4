"""The filtering engine: who, when and which URL in; allow or block, with the reason, out.

Decision order (first that applies wins):

1. the locked tier (IWF / CTIRU feeds and the policy's ``[locked]`` lists): always block;
2. an approved, unexpired override for one of the person's groups (domain or category);
   (approved additions to the school's own lists arrive as ``list:`` overrides and simply
   match as those lists: see :mod:`harbour.filtering.additions`);
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
from datetime import UTC, datetime
from pathlib import Path

from harbour.filtering.additions import addition_matches
from harbour.filtering.compiled import Segment
from harbour.filtering.decision import ALLOW, BLOCK, Decision, EngineError, Reason, Who
from harbour.filtering.lists import ListStore
from harbour.filtering.matcher import Matcher
from harbour.filtering.order import apply_order
from harbour.filtering.safesearch import safe_host, safe_url, strictest
from harbour.filtering.searchterms import search_terms
from harbour.filtering.state import PolicyState
from harbour.filtering.urlnorm import UrlError, normalise_host, normalise_url
from harbour.policy.load import load_policy
from harbour.policy.model import Policy
from harbour.policy.snapshot import Snapshot, read_snapshot, write_snapshot

__all__ = ["EngineError", "FilterEngine", "compile_policy"]

log = logging.getLogger(__name__)

_RELOAD_INTERVAL = 1.0  # seconds between cheap stat checks


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


class FilterEngine:
    """Decides requests from a policy snapshot and compiled lists; safe to share across threads."""

    def __init__(self, load_snapshot: _SnapshotSource, store: ListStore) -> None:
        self._source = load_snapshot
        self._store = store
        self._lock = threading.Lock()
        self._checked = 0.0
        self._stamp = self._source.stamp(), store.generation()
        self._state = PolicyState.build(self._source.load(), _open_segments(store), self._stamp[1])

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
        for device in state.devices_by_ip.get(text, ()):
            if _current(device.expires, now):
                return Who(groups=frozenset([device.group]), ip=text, device=device.name)
        for network, group, device_name, expires in state.networks:
            if address.version == network.version and address in network and _current(expires, now):
                return Who(groups=frozenset([group]), ip=text, device=device_name)
        return Who(groups=frozenset([state.policy.filtering.unknown_clients_group]), ip=text)

    # -- decisions -------------------------------------------------------------------------

    def decide(
        self, who: Who, url: str, when: datetime | None = None, *, remember: bool = True
    ) -> Decision:
        """Decide a request for ``url`` (any spelling) by ``who`` at ``when`` (default now;
        a naive time is in the school's timezone). Never raises for a bad URL: it is blocked
        with ``error`` set. ``remember=False`` neither uses nor fills the decision cache (for
        a caller that keeps the decision in a cache of its own)."""
        state, moment = self._state, self._moment(when)
        if not remember:
            return _decide_url(state, who, url, moment)
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
                state = PolicyState.build(
                    self._source.load(), _open_segments(self._store), stamp[1]
                )
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


def _decide_url(state: PolicyState, who: Who, url: str, moment: datetime) -> Decision:
    try:
        normal = normalise_url(url)
    except UrlError as exc:
        return _error(url, str(exc), state.policy.version)
    matches = state.matcher.match(normal)
    matches += addition_matches(state.additions, normal.host, normal, moment)
    verdict = apply_order(state, who, normal.host, matches, moment)
    mode = _safe_mode(state, who) if verdict.action == ALLOW else None
    return verdict.decision(
        normal.url,
        search_terms=tuple(search_terms(normal)),
        safe_search=safe_host(normal.host, mode),
        safe_search_url=safe_url(normal, mode),
    )


def _decide_host(state: PolicyState, who: Who, host: str, moment: datetime) -> Decision:
    try:
        name = normalise_host(host)
    except UrlError as exc:
        return _error(host, str(exc), state.policy.version)
    matches = state.matcher.match_host(name)
    matches += addition_matches(state.additions, name, None, moment)
    verdict = apply_order(state, who, name, matches, moment)
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


def _safe_mode(state: PolicyState, who: Who) -> str | None:
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
