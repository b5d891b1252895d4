"""What the filter decided, for whom, and why: the types every gateway shares."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from harbour.filtering.matcher import Match

ALLOW = "allow"
BLOCK = "block"


class EngineError(Exception):
    """The engine cannot start or cannot answer (no snapshot, unknown group, ...)."""


class Reason(StrEnum):
    """Which step of the decision order settled it."""

    LOCKED = "locked"  # on an illegal-content feed: nothing can allow it
    OVERRIDE = "override"  # an approved, unexpired unblock for one of the person's groups
    ALLOWLIST = "allowlist"  # on one of the school's own allow lists
    BLOCKLIST = "blocklist"  # on one of the school's own block lists that no activity row names
    POLICY = "policy"  # a row of the User Actions matrix
    DEFAULT = "default"  # in no category the policy restricts
    NO_AGREEMENT = "no-agreement"  # reserved for the gateways: no current acceptable use agreement
    ERROR = "error"  # the address could not be understood; blocked to be safe


@dataclass(frozen=True)
class Who:
    """The person or device a request is filtered as."""

    user: str | None = None
    groups: frozenset[str] = frozenset()
    ip: str | None = None
    device: str | None = None

    @property
    def group(self) -> str | None:
        """One group name for logs (alphabetically first), or None."""
        return min(self.groups) if self.groups else None


class Decision(NamedTuple):
    """One filtering decision with everything the block page, the logs and the DfE need.

    A named tuple rather than a dataclass: helpers keep tens of thousands of decisions in
    their caches, and a tuple holds one in a third of the memory and is built at C speed.
    """

    url: str
    host: str
    action: str  # ALLOW or BLOCK
    reason: str  # in plain words, for the block page
    reason_code: Reason
    policy_version: str
    categories: tuple[str, ...] = ()
    matches: tuple[Match, ...] = ()
    activity: str | None = None
    level: str | None = None
    rule: str | None = None  # e.g. "activities.gambling:all", "override:12", "locked.iwf"
    search_terms: tuple[str, ...] = ()
    safe_search: str | None = None  # DNS: the host to answer with instead
    safe_search_url: str | None = None  # proxy: the URL to redirect to instead
    error: str | None = None

    @property
    def blocked(self) -> bool:
        """True when the request must not go through."""
        return self.action == BLOCK

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary (the ``harbour filter decide`` output)."""
        data: dict[str, Any] = {
            "url": self.url,
            "host": self.host,
            "action": self.action,
            "categories": list(self.categories),
            "matches": [[m.category, m.entry] for m in self.matches],
            "activity": self.activity,
            "level": self.level,
            "reason": self.reason,
            "reason_code": self.reason_code.value,
            "rule": self.rule,
            "search_terms": list(self.search_terms),
            "safe_search": self.safe_search,
            "safe_search_url": self.safe_search_url,
            "policy_version": self.policy_version,
        }
        if self.error is not None:
            data["error"] = self.error
        return data
