"""Calendar arithmetic for the registers: months added the way people count them."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months; a day past the end of the target month
    becomes its last day (31 Jan + 1 month = 28/29 Feb; 29 Feb 2024 + 12 = 28 Feb 2025)."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last))


def lapse_cutoff(today: date, months: int) -> date:
    """The last day a thing renewed every ``months`` could have been done and be lapsed today:
    ``today < add_months(done, months)`` exactly when ``done > lapse_cutoff(today, months)``
    (so a database can filter on it)."""
    cutoff = add_months(today, -months)  # adding the months back never passes today
    while add_months(cutoff + timedelta(days=1), months) <= today:
        cutoff += timedelta(days=1)
    return cutoff
