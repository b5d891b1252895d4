"""Months are added as people count them, including across year ends and at month ends."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harbour.apps.registers.dates import add_months, lapse_cutoff


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 9, 1), 12, date(2027, 9, 1)),
        (date(2026, 11, 15), 2, date(2027, 1, 15)),  # across the year end
        (date(2026, 12, 31), 1, date(2027, 1, 31)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),  # no 31 February: its last day
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # 29 Feb to a common year
        (date(2024, 2, 29), 48, date(2028, 2, 29)),  # ...and to the next leap year
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 10, 31), 1, date(2026, 11, 30)),
        (date(2025, 12, 1), 24, date(2027, 12, 1)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
    ],
)
def test_adding_months_keeps_the_day_or_falls_back_to_the_month_end(
    start, months, expected
) -> None:
    assert add_months(start, months) == expected


@settings(deadline=None)  # pure arithmetic; a busy machine must not fail it
@given(
    done=st.dates(date(2000, 1, 1), date(2100, 1, 1)),
    today=st.dates(date(2000, 1, 1), date(2100, 1, 1)),
    months=st.integers(1, 60),
)
def test_the_lapse_cutoff_agrees_with_month_arithmetic_on_every_day(done, today, months) -> None:
    assert (today < add_months(done, months)) == (done > lapse_cutoff(today, months))


@pytest.mark.parametrize(
    ("today", "months", "cutoff"),
    [
        (date(2027, 3, 31), 1, date(2027, 2, 28)),
        (date(2026, 2, 28), 24, date(2024, 2, 29)),
        (date(2027, 1, 1), 12, date(2026, 1, 1)),
    ],
)
def test_the_lapse_cutoff_at_month_ends_and_leap_days(today, months, cutoff) -> None:
    assert lapse_cutoff(today, months) == cutoff
