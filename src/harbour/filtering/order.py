"""The decision order: locked tier, overrides, allow lists, the matrix, block lists, default.

See :mod:`harbour.filtering.engine` for the order in words; :func:`apply_order` is the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from harbour.filtering.decision import ALLOW, BLOCK, Decision, Reason, Who
from harbour.filtering.matcher import Match, host_suffixes
from harbour.filtering.state import PolicyState
from harbour.policy.matrix import Verdict
from harbour.policy.model import LEVEL_TITLES, Level
from harbour.policy.snapshot import Override

_SEVERITY = {level: rank for rank, level in enumerate(Level)}


def categories_of(matches: list[Match]) -> tuple[str, ...]:
    """The matched categories, each once, in match order."""
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
class Outcome:
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
        """The full decision for ``url``, with request-specific ``extras`` (search terms, ...)."""
        return Decision(
            url=url,
            host=self.host,
            action=self.action,
            reason=self.reason,
            reason_code=self.reason_code,
            policy_version=self.version,
            categories=categories_of(self.matches),
            matches=tuple(self.matches),
            activity=self.activity,
            level=self.level,
            rule=self.rule,
            **extras,
        )


def apply_order(
    state: PolicyState, who: Who, host: str, matches: list[Match], moment: datetime
) -> Outcome:
    """Apply the decision order (see the module docstring) to the matches of one request."""
    policy = state.policy
    verdict = Outcome(host, matches, policy.version)
    if not matches:
        return verdict  # most traffic: in no list at all
    categories = categories_of(matches)
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
