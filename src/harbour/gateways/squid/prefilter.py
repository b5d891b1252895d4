"""A cheap test that a list expression *cannot* match, so most URLs skip the regex engine.

UT1's expressions are unanchored alternations (``(google\\..*/search.q=cache)|...``) that
Python's ``re`` tries at every position of the URL: 5 to 30 microseconds each, more than the
rest of a cached decision. Nearly every one of them needs some literal text to match
(``google.``, ``/search``, ``yimg.com``), so each pattern is parsed once to find what any match
must contain (one of its alternatives, each a set of words that must all appear); a URL that
cannot satisfy it skips the pattern. A pattern with no such words is always run.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

# What a match needs: any one of the alternatives, each a set of words that must all appear.
# None: nothing is known (always run the pattern).
Needs = list[frozenset[str]] | None
_ANYTHING = re.compile("")
_MAX_ALTERNATIVES = 32


def _both(first: Needs, second: Needs) -> Needs:
    """What a match of one thing followed by another needs."""
    if first is None:
        return second
    if second is None:
        return first
    combined = [a | b for a in first for b in second]
    if len(combined) <= _MAX_ALTERNATIVES:
        return combined
    return first if len(first) <= len(second) else second  # still true, just less selective


def needs(items: Any) -> Needs:
    """What every match of the parsed pattern ``items`` contains (words in lower case)."""
    found: Needs = None
    run: list[str] = []
    for op, value in list(items) + [(None, None)]:  # a sentinel flushes the last run
        if op is sre.LITERAL:
            run.append(chr(value).lower())
            continue
        if run:
            found = _both(found, [frozenset(["".join(run)])])
            run = []
        if op is sre.SUBPATTERN:
            found = _both(found, needs(value[-1]))
        elif op is sre.BRANCH:
            branches = [needs(branch) for branch in value[1]]
            if all(b is not None for b in branches):
                found = _both(found, [alt for b in branches for alt in b or []])
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and value[0] >= 1:
            found = _both(found, needs(value[2]))
    return found


def _possible(needed: Needs, lower: str) -> bool:
    if needed is None:
        return True
    return any(all(word in lower for word in alternative) for alternative in needed)


class ExpressionFilter:
    """Answers "could any of these expressions match this text?" (case-insensitively)."""

    def __init__(self, patterns: list[str]) -> None:
        self.entries: list[tuple[Needs, re.Pattern[str]]] = []
        for pattern in patterns:
            try:
                compiled = re.compile(pattern, re.IGNORECASE)
            except re.error:
                compiled = _ANYTHING  # leave a broken pattern to the engine, for every URL
            try:
                needed = needs(sre_parse.parse(pattern))
            except (re.error, RecursionError, AttributeError, TypeError, IndexError):
                needed = None  # cannot analyse it: always run it
            self.entries.append((needed, compiled))
        # One word from every alternative of every pattern: a text holding none of them
        # cannot match anything (the common case, settled with a few substring tests).
        self.words: tuple[str, ...] | None = None
        if self.entries and all(needed for needed, _ in self.entries):
            every = {max(alt, key=len) for needed, _ in self.entries for alt in needed or []}
            self.words = tuple(w for w in every if not any(o != w and o in w for o in every))

    def __bool__(self) -> bool:
        return bool(self.entries)

    def search(self, text: str) -> bool:
        """True if some expression matches ``text``."""
        lower = text.lower()
        if self.words is not None:
            for word in self.words:  # a plain loop: the common case is "none of them"
                if word in lower:
                    break
            else:
                return False
        return any(
            _possible(needed, lower) and compiled.search(text) for needed, compiled in self.entries
        )
