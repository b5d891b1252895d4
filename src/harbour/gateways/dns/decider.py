"""What the resolver asks of the filtering engine, and the DNS-only rules around it.

The resolver depends on the small :class:`Decider` protocol; :class:`EngineDecider` is the
product's implementation, backed by :class:`harbour.filtering.engine.FilterEngine` so that the
DNS path makes exactly the proxy path's decisions.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from harbour.gateways.dns.edges import Edges
from harbour.policy.snapshot import read_snapshot

Response = Literal["forward", "blockpage", "nxdomain", "safesearch", "servfail"]

# Names whose non-existence tells software to keep using the network's DNS:
# Firefox's DNS-over-HTTPS canary and Apple's iCloud Private Relay.
CANARY_NAMES = {
    "use-application-dns.net": "Firefox DNS-over-HTTPS canary: keeps browsers on the school's DNS",
    "mask.icloud.com": "Apple iCloud Private Relay: keeps devices on the school's DNS",
    "mask-h2.icloud.com": "Apple iCloud Private Relay: keeps devices on the school's DNS",
}


@dataclass(frozen=True, slots=True)
class Client:
    """Who a client address is, as far as filtering is concerned."""

    key: Hashable  # equal keys get equal decisions (cache key)
    groups: tuple[str, ...]
    device: str | None = None
    user: str | None = None
    who: Any = field(default=None, compare=False)  # the engine's own identity object


@dataclass(frozen=True, slots=True)
class DnsVerdict:
    """The decision for one name, and how the resolver carries it out."""

    action: Literal["allow", "block"]
    response: Response
    reason: str
    reason_code: str
    categories: tuple[str, ...] = ()
    rule: str | None = None
    activity: str | None = None
    level: str | None = None
    policy_version: str | None = None
    safe_search: str | None = None  # CNAME target when ``response == "safesearch"``


class Decider(Protocol):
    """The filtering decisions the resolver needs."""

    def client(self, ip: str) -> Client:
        """Identify the client at ``ip`` (device register, network ranges, default group)."""
        ...

    def decide(self, client: Client, host: str, when: datetime) -> DnsVerdict:
        """Decide a query for ``host`` (lower case, no trailing dot) at ``when`` (aware)."""
        ...

    def stable_until(self, stamp: float) -> float:
        """Until when (epoch seconds) decisions made at ``stamp`` hold, the policy unchanged."""
        ...

    def maybe_reload(self) -> bool:
        """Pick up a new policy snapshot or lists if they changed; True if it did."""
        ...


def canary_verdict(host: str) -> DnsVerdict | None:
    """NXDOMAIN for the names that switch off encrypted DNS and relays, for every client."""
    reason = CANARY_NAMES.get(host)
    if reason is None:
        return None
    return DnsVerdict("block", "nxdomain", reason, "circumvention", ("doh",), rule="dns.canary")


class EngineDecider:
    """:class:`Decider` over the filtering engine (same snapshot, lists and reloads)."""

    def __init__(self, engine: Any, snapshot_path: Path | None = None,
                 clients: dict[str, str] | None = None) -> None:  # fmt: skip
        self.engine = engine
        self.snapshot_path = snapshot_path
        self.fixed_clients = dict(clients or {})
        for group in self.fixed_clients.values():
            engine.who_for_group(group)  # raises EngineError naming the unknown group
        self._edges = self._read_edges()

    @classmethod
    def open(cls, data_dir: Path, policy_path: Path | None = None,
             clients: dict[str, str] | None = None) -> EngineDecider:  # fmt: skip
        """Open the engine on a data directory (and a policy file instead of the snapshot).

        ``clients`` maps addresses to groups ahead of the device register (demos, tests).
        """
        from harbour.filtering.engine import FilterEngine

        if policy_path is not None:
            return cls(FilterEngine.from_policy(policy_path, data_dir), None, clients)
        return cls(FilterEngine.open(data_dir), Path(data_dir) / "policy.json", clients)

    def _read_edges(self) -> Edges:
        if self.snapshot_path is None:
            return Edges(self.engine.policy, None, datetime.now(UTC))
        try:
            snapshot = read_snapshot(self.snapshot_path)
        except (OSError, ValueError, KeyError):
            edges = Edges(self.engine.policy, None, datetime.now(UTC))
            edges.minutely = True  # overrides unknown: check decisions every minute
            return edges
        return Edges(self.engine.policy, snapshot, datetime.now(UTC))

    def block_response(self) -> Response:
        """How the policy wants blocked names answered: block page address or NXDOMAIN."""
        mode = self.engine.policy.filtering.block_response
        return "nxdomain" if mode == "nxdomain" else "blockpage"

    def client(self, ip: str) -> Client:
        """Map ``ip`` through the engine's device register and network ranges."""
        group = self.fixed_clients.get(ip)
        if group is not None:
            who = replace(self.engine.who_for_group(group), ip=ip)
        else:
            who = self.engine.who_for_ip(ip)
        groups = tuple(sorted(who.groups))
        return Client((groups, who.device, who.user), groups, who.device, who.user, who)

    def decide(self, client: Client, host: str, when: datetime) -> DnsVerdict:
        """The engine's whole-domain decision, turned into a DNS answer."""
        canary = canary_verdict(host)
        if canary is not None:
            return canary
        d = self.engine.decide_host(client.who, host, when)
        if d.action == "block":
            response: Response = self.block_response()
        elif d.safe_search:
            response = "safesearch"
        else:
            response = "forward"
        return DnsVerdict(
            action=d.action,
            response=response,
            reason=d.reason,
            reason_code=str(d.reason_code),
            categories=tuple(d.categories),
            rule=d.rule,
            activity=d.activity,
            level=str(d.level) if d.level is not None else None,
            policy_version=d.policy_version,
            safe_search=d.safe_search if response == "safesearch" else None,
        )

    def stable_until(self, stamp: float) -> float:
        """The next window, override or device-expiry edge after ``stamp``."""
        return self._edges.next_after(stamp)

    def maybe_reload(self) -> bool:
        """Delegate to the engine's cheap change check; recompute the edges after a reload."""
        if not self.engine.maybe_reload():
            return False
        self._edges = self._read_edges()
        return True
