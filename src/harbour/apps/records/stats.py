"""Anonymised figures for governors: counts only, never a name, a date or a description."""

from __future__ import annotations

from collections import Counter
from datetime import date

from harbour.apps.records import vocab
from harbour.apps.records.models import Record

# Counts below this are shown as "fewer than 3" so that a small school's figures do not
# point at a child.
SMALL = 3


def aggregates(
    since: date | None = None, until: date | None = None
) -> dict[str, dict[str, int | str]]:
    """Counts by kind, four-Cs category, risk category, severity and status."""
    rows = Record.objects.all()
    if since:
        rows = rows.filter(occurred_at__date__gte=since)
    if until:
        rows = rows.filter(occurred_at__date__lte=until)
    by: dict[str, Counter[str]] = {
        k: Counter() for k in ("kind", "four_cs", "risk", "severity", "status")
    }
    for kind, cs, risk, severity, status in rows.values_list(
        "kind", "four_cs", "risk_category", "severity", "status"
    ):
        by["kind"][dict(vocab.KIND_CHOICES)[kind]] += 1
        for c in cs:
            by["four_cs"][dict(vocab.FOUR_CS).get(c, c)] += 1
        by["risk"][dict(vocab.RISK_CATEGORIES).get(risk, risk)] += 1
        by["severity"][str(severity)] += 1
        by["status"][dict(vocab.STATUS_CHOICES)[status]] += 1
    return {
        name: {k: (v if v >= SMALL else f"fewer than {SMALL}") for k, v in sorted(counter.items())}
        for name, counter in by.items()
    }
