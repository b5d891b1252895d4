"""Literal pre-filters for list expressions: skip a regular expression that cannot match.

Most URLs match no expression, yet searching for each of a collection's expressions costs
microseconds per URL. For each pattern we work out a set of literal strings at least one of
which must appear in any text it matches (``google\\..*/search`` needs ``google.``); a
substring test then rules the pattern out for almost every URL. When no such set can be
proved (classes, optional parts, lookarounds, non-ASCII), the pattern is always searched.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

_MIN_LENGTH = 3  # shorter literals appear in too many URLs to be worth testing first
Literals = frozenset[str]


def required_literals(pattern: str) -> Literals | None:
    """Lower-case strings one of which is in every text ``pattern`` matches (ignoring case),
    or None when no useful set can be proved."""
    try:
        parsed = sre_parse.parse(pattern, re.IGNORECASE)
    except re.error:
        return None
    found = _sequence(list(parsed))
    if found is None or min(len(s) for s in found) < _MIN_LENGTH:
        return None
    if not all(s.isascii() for s in found):
        return None  # case folding beyond ASCII (e.g. the Kelvin sign) is not worth modelling
    return frozenset(s.lower() for s in found)


def _strength(found: Literals) -> tuple[int, int]:
    return min(len(s) for s in found), -len(found)


def _sequence(items: list[tuple[Any, Any]]) -> Literals | None:
    """The best required set of a concatenation: every item is needed, so any item's set is
    a valid answer; runs of plain characters form one literal."""
    best: Literals | None = None
    run: list[str] = []

    def offer(found: Literals | None) -> None:
        nonlocal best
        if found and (best is None or _strength(found) > _strength(best)):
            best = found

    for op, arg in items:
        if op is sre.LITERAL:
            run.append(chr(arg))
            continue
        offer(frozenset(["".join(run)]) if run else None)
        run = []
        offer(_item(op, arg))
    offer(frozenset(["".join(run)]) if run else None)
    return best


def _item(op: Any, arg: Any) -> Literals | None:
    if op is sre.SUBPATTERN:
        return _sequence(list(arg[-1]))
    if op is sre.BRANCH:
        branches = [_sequence(list(branch)) for branch in arg[1]]
        if any(b is None for b in branches):
            return None
        return frozenset().union(*branches)  # type: ignore[arg-type]
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        low, _, inner = arg
        return _sequence(list(inner)) if low >= 1 else None
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _sequence(list(arg))
    return None  # classes, anchors, lookarounds, back-references: nothing proved
