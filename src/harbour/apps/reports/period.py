"""Report periods in the school's timezone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Period:
    """Whole days ``start``..``end`` inclusive, in the school's timezone."""

    start: date
    end: date
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, self.zone)

    @property
    def until(self) -> datetime:
        """Exclusive upper bound: midnight after the last day."""
        return datetime.combine(self.end + timedelta(days=1), time.min, self.zone)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def label(self) -> str:
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"


def last_week(today: date, zone: ZoneInfo) -> Period:
    """Monday to Sunday of the week before the one ``today`` is in."""
    monday = today - timedelta(days=today.weekday()) - timedelta(days=7)
    return Period(monday, monday + timedelta(days=6), zone)


def term_containing(day: date, zone: ZoneInfo) -> Period:
    """The school term (autumn from 1 Sep, spring from 1 Jan, summer from 1 Apr) around ``day``."""
    if day.month >= 9:
        return Period(date(day.year, 9, 1), date(day.year, 12, 31), zone)
    if day.month <= 3:
        return Period(date(day.year, 1, 1), date(day.year, 3, 31), zone)
    return Period(date(day.year, 4, 1), date(day.year, 8, 31), zone)
