"""Named time windows such as ``Mon-Fri 12:00-13:00``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_SPAN = re.compile(
    r"^\s*(?P<d1>[A-Za-z]{3})(?:\s*-\s*(?P<d2>[A-Za-z]{3}))?\s+"
    r"(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*-\s*(?P<h2>\d{1,2}):(?P<m2>\d{2})\s*$"
)


class WindowSyntaxError(ValueError):
    """A span string that cannot be a time window."""


@dataclass(frozen=True)
class Span:
    """One weekly span: a set of weekdays (0 = Monday) and a half-open time range."""

    days: frozenset[int]
    start: time
    end: time

    def contains(self, moment: datetime) -> bool:
        """True when ``moment`` (already in the school's timezone) falls inside the span."""
        return moment.weekday() in self.days and self.start <= moment.time() < self.end

    def overlaps(self, other: Span) -> bool:
        """True when the two spans share any minute of the week."""
        return bool(self.days & other.days) and self.start < other.end and other.start < self.end

    def describe(self) -> str:
        """Human form, e.g. ``Mon-Fri 12:00-13:00``."""
        days = sorted(self.days)
        names = [DAYS[d].capitalize() for d in days]
        if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
            label = f"{names[0]}-{names[-1]}"
        else:
            label = ",".join(names)
        return f"{label} {self.start:%H:%M}-{self.end:%H:%M}"


def _day(name: str) -> int:
    try:
        return DAYS.index(name.lower())
    except ValueError:
        raise WindowSyntaxError(f"unknown day {name!r} (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)") from None


def _clock(hours: str, minutes: str) -> time:
    h, m = int(hours), int(minutes)
    if h == 24 and m == 0:
        return time(23, 59, 59, 999999)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise WindowSyntaxError(f"impossible time {hours}:{minutes}")
    return time(h, m)


def parse_span(text: str) -> Span:
    """Parse ``Mon-Fri 12:00-13:00`` (or ``Sat 09:00-12:00``) into a :class:`Span`."""
    match = _SPAN.match(text)
    if not match:
        raise WindowSyntaxError(f"{text!r} is not a time window; write it like 'Mon-Fri 12:00-13:00'")
    first = _day(match["d1"])
    last = _day(match["d2"]) if match["d2"] else first
    if last < first:
        raise WindowSyntaxError(f"{text!r}: day range runs backwards")
    start = _clock(match["h1"], match["m1"])
    end = _clock(match["h2"], match["m2"])
    if end <= start:
        raise WindowSyntaxError(f"{text!r}: the window ends before it starts")
    return Span(frozenset(range(first, last + 1)), start, end)
