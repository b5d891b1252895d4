"""Word-bounded phrase matching with Aho-Corasick over normalised text.

Keys and texts are padded with spaces, so a key only matches whole words ("sh" never matches
inside "fish") at no extra cost. A stem key has no trailing space and matches the start of a
longer word. Each matcher holds two automata: one for the normalised text and one for its
"collapsed" form (doubled letters made single) used when a pupil stretched letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ahocorasick

from harbour.monitoring.normalise import collapse_doubles, first_match

# Words allowed between the parts of a gapped term ("send … pics").
GAP_WORDS = 3


@dataclass(frozen=True)
class Hit:
    """One match: ``value`` over ``text[start:end]`` of the normalised text.

    ``value`` is a context group name, a term index, or (term index, part number) for raw
    risk matches.
    """

    value: Any
    start: int
    end: int


class PhraseMatcher:
    """Word-bounded multi-phrase matching over normalised text, in plain and collapsed forms."""

    def __init__(self) -> None:
        self._plain = ahocorasick.Automaton()
        self._collapsed = ahocorasick.Automaton()

    def add(self, key: str, value: object, stem: bool = False) -> None:
        """Register normalised ``key``; a stem needs no boundary at its end."""
        for automaton, form in ((self._plain, key), (self._collapsed, collapse_doubles(key))):
            padded = f" {form}" if stem else f" {form} "
            entry = automaton.get(padded, None)
            if entry is None:
                automaton.add_word(padded, (len(padded), 0 if stem else 1, [value]))
            elif value not in entry[2]:
                entry[2].append(value)

    def finish(self) -> None:
        """Build the automata; call once after the last :meth:`add`."""
        for automaton in (self._plain, self._collapsed):
            if len(automaton):
                automaton.make_automaton()

    def _automaton(self, collapsed: bool) -> ahocorasick.Automaton:
        return self._collapsed if collapsed else self._plain

    def any(self, text: str, collapsed: bool = False) -> bool:
        """True if any key occurs in ``text``."""
        automaton = self._automaton(collapsed)
        if not len(automaton):
            return False
        return first_match(automaton, f" {text} ")

    def hits(self, text: str, collapsed: bool = False) -> list[Hit]:
        """Every occurrence, as spans of ``text``."""
        automaton = self._automaton(collapsed)
        if not len(automaton):
            return []
        found = []
        for end, (length, trail, values) in automaton.iter(f" {text} "):
            # ``end`` indexes the padded text; its leading space makes it one past the key's
            # start in ``text``. A stem's match runs on to the end of its word.
            start, stop = end - length + 1, end - trail
            if not trail:
                stop = _word_end(text, stop)
            for value in values:
                found.append(Hit(value, start, stop))
        return found


def _word_end(text: str, index: int) -> int:
    space = text.find(" ", index)
    return len(text) if space < 0 else space


def chain(text: str, found: list[tuple[int, Hit]], count: int) -> tuple[int, int] | None:
    """The span of parts 0..count-1 in order, each at most GAP_WORDS words after the last."""
    by_part: dict[int, list[Hit]] = {}
    for number, hit in found:
        by_part.setdefault(number, []).append(hit)
    for first in by_part.get(0, []):
        end = first.end
        for number in range(1, count):
            following = [
                h
                for h in by_part.get(number, [])
                if h.start >= end and len(text[end : h.start].split()) <= GAP_WORDS
            ]
            if not following:
                break
            end = min(h.end for h in following)
        else:
            return first.start, end
    return None
