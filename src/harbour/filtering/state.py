"""What one decision reads: the policy, the lists and the directory facts, built once per
snapshot or lists generation and swapped whole on reload, with the engine's caches."""

from __future__ import annotations

import ipaddress
import logging
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from harbour.filtering.additions import Addition, additions_of
from harbour.filtering.compiled import Segment, SegmentBuilder
from harbour.filtering.decision import Decision, EngineError
from harbour.filtering.entries import domain_entry, url_entry
from harbour.filtering.matcher import Matcher
from harbour.filtering.urlnorm import UrlError
from harbour.policy.matrix import Verdict, judge_activity
from harbour.policy.model import Policy
from harbour.policy.snapshot import DeviceEntry, Snapshot

log = logging.getLogger(__name__)
CACHE_SIZE = 8192  # decisions kept per process; traffic repeats URLs (pages, assets, polling)
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


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
class PolicyState:
    """Everything one decision reads, swapped as a whole on reload."""

    snapshot: Snapshot
    policy: Policy
    matcher: Matcher
    generation: str | None
    by_category: dict[str, list[str]] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    allow_lists: frozenset[str] = frozenset()
    block_lists: frozenset[str] = frozenset()
    networks: list[tuple[_Network, str, str | None, str | None]] = field(default_factory=list)
    devices_by_ip: dict[str, list[DeviceEntry]] = field(default_factory=dict)
    boundaries: list[float] = field(default_factory=list)
    additions: list[Addition] = field(default_factory=list)
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
            if len(self.rows) >= CACHE_SIZE:
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
        if len(self.cache) >= CACHE_SIZE:
            self.cache.clear()
        self.cache[key] = (start, end, decision)
        return decision

    @classmethod
    def build(
        cls, snapshot: Snapshot, segments: list[Segment], generation: str | None
    ) -> PolicyState:
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
        rows: list[tuple[str, str, str | None, str | None]] = [
            (d.cidr, d.group, d.name, d.expires) for d in snapshot.devices if d.cidr and not d.ip
        ]
        rows += [(n.cidr, n.group, None, None) for n in policy.filtering.networks]
        for device in snapshot.devices:
            if device.ip:
                try:
                    key = str(ipaddress.ip_address(device.ip))
                except ValueError:
                    log.error("device %r: %r is not an IP address; ignored", device.name, device.ip)
                    continue
                state.devices_by_ip.setdefault(key, []).append(device)
        state.additions = additions_of(snapshot.overrides, policy)
        state.boundaries = sorted(
            {
                datetime.fromisoformat(t).timestamp()
                for o in snapshot.overrides
                for t in (o.starts, o.expires)
            }
        )
        state.networks = sorted(
            ((ipaddress.ip_network(c, strict=False), g, dev, exp) for c, g, dev, exp in rows),
            key=lambda row: -row[0].prefixlen,
        )
        return state
