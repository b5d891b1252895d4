"""What the User Actions matrix says for one person, one activity and one moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from harbour.policy.model import ALL_SELECTOR, PUPILS_SELECTOR, Activity, Level, LevelSpec, Policy

_DEFAULT = LevelSpec(level=Level.ACCEPTABLE)


@dataclass(frozen=True)
class Verdict:
    """The matrix cell that applied and whether it allows the activity now."""

    allowed: bool
    level: Level
    selector: str
    reason: str


def cells_for(policy: Policy, activity: Activity, groups: frozenset[str]) -> list[tuple[str, LevelSpec]]:
    """The cells that apply to someone in ``groups``: their own groups' cells first, else
    the 'pupils' cell for pupils, else 'all', else acceptable."""
    own = [(g, activity.levels[g]) for g in sorted(groups) if g in activity.levels]
    if own:
        return own
    if PUPILS_SELECTOR in activity.levels and any(
        policy.groups[g].kind == "pupil" for g in groups if g in policy.groups
    ):
        return [(PUPILS_SELECTOR, activity.levels[PUPILS_SELECTOR])]
    if ALL_SELECTOR in activity.levels:
        return [(ALL_SELECTOR, activity.levels[ALL_SELECTOR])]
    return [("default", _DEFAULT)]


def _judge(policy: Policy, spec: LevelSpec, groups: frozenset[str], moment: datetime) -> tuple[bool, str]:
    level = spec.level
    if level is Level.ACCEPTABLE:
        return True, "acceptable"
    if level is Level.AT_CERTAIN_TIMES:
        local = moment.astimezone(policy.zone())
        for window in spec.times:
            if any(span.contains(local) for span in policy.spans(window)):
                return True, f"acceptable now, in the '{window}' window"
        return False, f"only acceptable during {', '.join(spec.times)}"
    if level is Level.NOMINATED_USERS:
        named = groups & set(spec.users)
        if named:
            return True, f"acceptable for nominated users ({', '.join(sorted(named))})"
        who = ", ".join(spec.users) if spec.users else "nobody in this group"
        return False, f"only acceptable for nominated users: {who}"
    if level is Level.UNACCEPTABLE_ILLEGAL:
        return False, "unacceptable and illegal"
    return False, "unacceptable"


def judge_activity(policy: Policy, activity: Activity, groups: frozenset[str], moment: datetime) -> Verdict:
    """Decide one activity for someone in ``groups`` at ``moment`` (timezone-aware).

    When several of the person's groups have their own cell, any cell that allows wins:
    a nominated group exists to grant what the base group lacks.
    """
    first: Verdict | None = None
    for selector, spec in cells_for(policy, activity, groups):
        allowed, reason = _judge(policy, spec, groups, moment)
        verdict = Verdict(allowed, spec.level, selector, reason)
        if allowed:
            return verdict
        first = first or verdict
    assert first is not None
    return first
