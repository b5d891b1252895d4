"""When filtering decisions can next change without the policy file changing.

A decision depends on the time only through the policy's named windows, the periods of
approved overrides and the expiry of registered devices. Between two such edges every
decision holds, so the resolver caches decisions until the next edge rather than for a
fixed short time (which would make every cached answer expire at once, every minute).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime, timedelta

from harbour.policy.model import Policy
from harbour.policy.snapshot import Snapshot

HORIZON_DAYS = 8  # windows repeat weekly: a week and a day covers every edge ahead


def window_edges(policy: Policy, start: datetime, days: int = HORIZON_DAYS) -> list[float]:
    """Epoch seconds of every window start and end from ``start`` (aware) for ``days``."""
    zone = policy.zone()
    local = start.astimezone(zone)
    edges: set[float] = set()
    for name in policy.times:
        for span in policy.spans(name):
            for offset in range(days + 1):
                day = local.date() + timedelta(days=offset)
                if day.weekday() not in span.days:
                    continue
                for moment in (span.start, span.end):
                    edges.add(datetime.combine(day, moment, zone).timestamp())
    return sorted(edges)


def snapshot_edges(snapshot: Snapshot) -> list[float]:
    """Epoch seconds at which overrides start or expire and registered devices expire."""
    stamps = [t for o in snapshot.overrides for t in (o.starts, o.expires)]
    stamps += [d.expires for d in snapshot.devices if d.expires]
    edges = set()
    for stamp in stamps:
        moment = datetime.fromisoformat(stamp)
        if moment.tzinfo is not None:  # a naive time cannot be placed; it gets minute checks
            edges.add(moment.timestamp())
        else:
            edges.add(float("-inf"))
    return sorted(edges)


class Edges:
    """The sorted edges ahead, recomputed when the horizon runs out or the policy reloads."""

    def __init__(self, policy: Policy, snapshot: Snapshot | None, now: datetime) -> None:
        self.policy = policy
        self.fixed = snapshot_edges(snapshot) if snapshot is not None else []
        self.minutely = bool(self.fixed and self.fixed[0] == float("-inf"))
        self._fill(now)

    def _fill(self, now: datetime) -> None:
        self.horizon = (now + timedelta(days=HORIZON_DAYS - 1)).timestamp()
        self.edges = sorted(set(window_edges(self.policy, now)) | set(self.fixed))

    def next_after(self, stamp: float) -> float:
        """The first edge after ``stamp`` (epoch seconds); decisions hold until then."""
        if stamp >= self.horizon:
            self._fill(datetime.fromtimestamp(stamp).astimezone())
        if self.minutely:
            return stamp - stamp % 60 + 60
        index = bisect_right(self.edges, stamp)
        return self.edges[index] if index < len(self.edges) else self.horizon
