"""A cheap test that a list expression *cannot* match, so most URLs skip the regex engine.

UT1's expressions are unanchored alternations (``(google\\..*/search.q=cache)|...``) that
Python's ``re`` tries at every position of the URL: 5 to 30 microseconds each, more than the
rest of a cached decision. Nearly every one of them needs some literal text to match
(``google.``, ``/search``, ``yimg.com``), so each pattern is parsed once to find a set of
literal words one of which every match must contain; a URL containing none of them skips the
pattern. A pattern with no such word is always run.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

Words = frozenset[str] | None  # None: no literal is known to be needed
_ANYTHING = re.compile("")


def _better(current: Words, candidate: Words) -> Words:
    """Prefer the requirement whose shortest word is longest (the most selective)."""
    if not candidate or "" in candidate:
        return current
    if current is None or min(map(len, candidate)) > min(map(len, current)):
        return candidate
    return current


def needed_words(items: Any) -> Words:
    """Literal words (lower case) one of which every match of the parsed pattern contains."""
    best: Words = None
    run: list[str] = []
    for op, value in list(items) + [(None, None)]:  # a sentinel flushes the last run
        if op is sre.LITERAL:
            run.append(chr(value).lower())
            continue
        if run:
            best = _better(best, frozenset(["".join(run)]))
            run = []
        if op is sre.SUBPATTERN:
            best = _better(best, needed_words(value[-1]))
        elif op is sre.BRANCH:
            branches = [needed_words(branch) for branch in value[1]]
            if all(branches):
                best = _better(best, frozenset().union(*branches))  # type: ignore[arg-type]
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and value[0] >= 1:
            best = _better(best, needed_words(value[2]))
    return best


class ExpressionFilter:
    """Answers "could any of these expressions match this text?" (case-insensitively)."""

    def __init__(self, patterns: list[str]) -> None:
        self.entries: list[tuple[Words, re.Pattern[str]]] = []
        for pattern in patterns:
            try:
                compiled = re.compile(pattern, re.IGNORECASE)
            except re.error:
                compiled = _ANYTHING  # leave a broken pattern to the engine, for every URL
            try:
                words = needed_words(sre_parse.parse(pattern))
            except (re.error, RecursionError, AttributeError, TypeError, IndexError):
                words = None  # cannot analyse it: always run it
            self.entries.append((words, compiled))

        every = [w for words, _ in self.entries if words is not None for w in words]
        if any(words is None for words, _ in self.entries):
            self.words: tuple[str, ...] | None = None
        else:  # a word containing another word adds nothing to "does the text hold any?"
            self.words = tuple(w for w in set(every) if not any(o != w and o in w for o in every))

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
        for words, compiled in self.entries:
            if words is not None and not any(w in lower for w in words):
                continue
            if compiled.search(text):
                return True
        return False
