"""Calendar arithmetic for the registers: months added the way people count them."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months; a day past the end of the target month
    becomes its last day (31 Jan + 1 month = 28/29 Feb; 29 Feb 2024 + 12 = 28 Feb 2025)."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last))
