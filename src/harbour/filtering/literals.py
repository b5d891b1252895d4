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


Requirement = tuple[Literals, ...]  # each set must have one of its strings in the text


def required_alternatives(pattern: str) -> list[Requirement] | None:
    """Ways a text can hold what ``pattern`` needs, finer than :func:`required_literals`:
    the pattern's alternatives multiplied out, each a list of sets that must *all* be found
    (one string of each, ignoring case). None when some alternative needs nothing provable.

    ``google\\..*/search.q=cache`` needs "google." and "/search" and "q=cache", so a URL
    with "google." alone is ruled out without searching; ``(bing|yahoo.*/images)(porn|xxx)``
    needs "bing" and a word, or "yahoo" and "/images" and a word.
    """
    try:
        parsed = sre_parse.parse(pattern, re.IGNORECASE)
    except re.error:
        return None
    expanded = _expand(list(parsed))
    if expanded is None:
        expanded = [_pieces(list(parsed))]  # too many ways to multiply out: one, coarser
    alternatives = []
    for way in expanded:
        needed = tuple(
            dict.fromkeys(
                frozenset(s.lower() for s in found)
                for found in way
                if min(len(s) for s in found) >= _MIN_LENGTH and all(s.isascii() for s in found)
            )
        )
        if not needed:
            return None
        alternatives.append(needed)
    return alternatives


_MAX_WAYS = 64  # alternatives multiplied out beyond this are not worth the bookkeeping


def _expand(items: list[tuple[Any, Any]]) -> list[list[Literals]] | None:
    """Every way a concatenation can match, as the literal sets each way needs (None when
    there are more than :data:`_MAX_WAYS`)."""
    ways: list[list[Literals]] = [[]]
    run: list[str] = []

    def cross(options: list[list[Literals]]) -> bool:
        nonlocal ways
        ways = [way + option for way in ways for option in options]
        return len(ways) <= _MAX_WAYS

    for op, arg in items:
        if op is sre.LITERAL:
            run.append(chr(arg))
            continue
        if run:
            ways = [way + [frozenset(["".join(run)])] for way in ways]
            run = []
        options: list[list[Literals]] | None = None
        if op is sre.SUBPATTERN:
            options = _expand(list(arg[-1]))
        elif op is sre.BRANCH:
            options = []
            for branch in arg[1]:
                inner = _expand(list(branch))
                if inner is None:
                    return None
                options += inner
            if all(len(option) == 1 for option in options):
                # (porn|xxx|...): one way needing any of the words, not a way per word
                options = [[frozenset().union(*(option[0] for option in options))]]
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            if arg[0] >= 1:
                options = _expand(list(arg[2]))  # at least once: what one pass needs
            else:
                continue  # optional: needs nothing
        elif op is getattr(sre, "ATOMIC_GROUP", None):
            options = _expand(list(arg))
        else:
            continue  # classes, anchors, lookarounds, back-references: need nothing provable
        if options is None or not cross(options):
            return None
    if run:
        ways = [way + [frozenset(["".join(run)])] for way in ways]
    return ways


def _strength(found: Literals) -> tuple[int, int]:
    return min(len(s) for s in found), -len(found)


def _sequence(items: list[tuple[Any, Any]]) -> Literals | None:
    """The best required set of a concatenation: every item is needed, so any item's set is
    a valid answer; runs of plain characters form one literal."""
    best: Literals | None = None
    for found in _pieces(items):
        if best is None or _strength(found) > _strength(best):
            best = found
    return best


def _pieces(items: list[tuple[Any, Any]]) -> list[Literals]:
    """Every required set of a concatenation, in order: each is needed for a match."""
    found: list[Literals] = []
    run: list[str] = []
    for op, arg in items:
        if op is sre.LITERAL:
            run.append(chr(arg))
            continue
        if run:
            found.append(frozenset(["".join(run)]))
            run = []
        if op is sre.SUBPATTERN:
            found += _pieces(list(arg[-1]))  # a plain group: all of its pieces are needed too
            continue
        item = _item(op, arg)
        if item:
            found.append(item)
    if run:
        found.append(frozenset(["".join(run)]))
    return found


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
