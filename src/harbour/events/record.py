"""Decision events: one record per filtering decision with the DfE log fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from harbour.filtering.decision import Decision, Who

SOURCES = ("proxy", "dns", "cli")


def decision_event(decision: Decision, who: Who, when: datetime, source: str) -> dict[str, Any]:
    """The spool record for a decision: device, IP, user, group, time, URL, search terms,
    categories, action, activity, level, rule, reason code, source and policy version."""
    if source not in SOURCES:
        raise ValueError(f"event source {source!r} is not one of {', '.join(SOURCES)}")
    return {
        "time": when.isoformat(),
        "device": who.device,
        "ip": who.ip,
        "user": who.user,
        "group": who.group,
        "url": decision.url,
        "host": decision.host,
        "search_terms": list(decision.search_terms),
        "categories": list(decision.categories),
        "action": decision.action,
        "activity": decision.activity,
        "level": decision.level,
        "reason_code": decision.reason_code.value,
        "rule": decision.rule,
        "source": source,
        "policy_version": decision.policy_version,
    }
