"""The lexicon stage of the safeguarding classifier: text → risks with severity and evidence.

How a text is judged (the rules and their reasons are in ``monitoring/README.md``):

1. The text is normalised (:mod:`harbour.monitoring.normalise`) and matched, word-boundary
   aware, against every risk term with one Aho-Corasick automaton. Most texts match nothing
   and cost one pass in C.
2. Context phrases are matched the same way: ``benign`` idioms ("killing it", "kill a
   process") hide the risk terms they cover; ``framing`` (homework, history, lyrics, games) and
   ``help_other`` ("how to help a friend who...") silence ambiguous terms; ``help_other`` also
   caps every other risk at severity 2. Identity words are context only, never risks.
3. A term flagged ``needs=...`` counts only when one of those context groups is present;
   intent ("i want to", "how to", "tonight") and method (pills, rope, bridge) raise severity in
   the categories where they mean more danger, and a second distinct term of the same category
   raises it again. Severity never exceeds 5.
4. One risk per category, the strongest, ordered by severity and then by gravity of category.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import ahocorasick

from harbour.monitoring.lexicon import CATEGORIES, Lexicon, LexiconError, Term, load_default
from harbour.monitoring.normalise import (
    Normalised,
    Slang,
    collapse_doubles,
    first_match,
    normalise,
    normalise_fast,
)

# Ties between categories go to the graver one.
PRIORITY = (
    "illegal",
    "suicide",
    "grooming",
    "extremism",
    "violence",
    "self_harm",
    "bullying",
    "discrimination",
    "drugs",
    "pornography",
    "gambling",
)

# Built-in context groups: the text contains a number ("take 2 pills"), or one of at least
# eight ("took 30 pills").
NUMBER = "number"
MANY = "many"
MANY_FROM = 8
# Part number of a term matched whole; gapped terms' parts count from 0.
WHOLE = -1
# Words allowed between the parts of a gapped term.
GAP_WORDS = 3

# Context groups that add one severity step each, per category.
BOOSTS: dict[str, tuple[str, ...]] = {
    "suicide": ("intent", "method"),
    "self_harm": ("intent", "method", "self"),
    "violence": ("intent", "weapon"),
    "extremism": ("intent", "praise"),
    "drugs": ("amount", NUMBER),
    "grooming": ("secrecy", "sexual"),
    "bullying": ("intent",),
}

# Education, media, games and health framing silence ambiguous terms; laughter does so only
# where hyperbole is common ("my mum will kill me lol") and for mild teasing ("ur so weird
# haha"), never for hate or abuse.
JOKE_CATEGORIES = frozenset({"suicide", "violence"})
# Seeking help for someone else caps severity (unless the writer speaks of themself).
HELP_CAP = 2
EXTRA_TERM_SEVERITY = 3
_VOWELS = "aeiou"
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Risk:
    """One safeguarding risk found in a text."""

    category: str
    severity: int
    evidence: str
    term_id: str
    language: str


@dataclass(frozen=True)
class _Hit:
    value: object
    start: int
    end: int


class _Matcher:
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

    def hits(self, text: str, collapsed: bool = False) -> list[_Hit]:
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
                found.append(_Hit(value, start, stop))
        return found


def _word_end(text: str, index: int) -> int:
    space = text.find(" ", index)
    return len(text) if space < 0 else space


def _variants(term: Term, key: str) -> Iterable[str]:
    """Spellings of a term beyond its own: squashed phrases, a vowel hidden by ``*``."""
    yield key
    words = key.split()
    if len(words) > 1 and len(key) >= 9:
        yield "".join(words)
    elif len(words) == 1 and len(key) >= 4 and not term.stem:
        for i, char in enumerate(key):
            if char in _VOWELS and i > 0:
                yield key[:i] + "*" + key[i + 1 :]


class Classifier:
    """Lexicon-based safeguarding classifier. Build once, then call :meth:`classify`."""

    def __init__(
        self,
        lexicon: Lexicon,
        extra_terms: Mapping[str, Iterable[str]] | None = None,
        ignore_terms: Iterable[str] = (),
    ) -> None:
        plain = Slang({}, {})
        self._slang = Slang(
            {normalise_fast(k, plain)[0]: v for k, v in lexicon.slang_words.items()},
            {normalise_fast(k, plain)[0]: v for k, v in lexicon.slang_phrases.items()},
        )
        terms = list(lexicon.terms)
        known = set(lexicon.context) | {NUMBER, MANY}
        for term in terms:
            if unknown := set().union(*term.needs) - known:
                raise LexiconError(f"{term.term_id}: needs unknown context group {sorted(unknown)}")
        for category, words in (extra_terms or {}).items():
            if category not in CATEGORIES:
                raise ValueError(
                    f"extra_terms: unknown category {category!r} (known: {', '.join(CATEGORIES)})"
                )
            for word in words:
                terms.append(
                    Term(f"{category}/school:{word}", category, word, EXTRA_TERM_SEVERITY, "school")
                )
        ignored = {self._key(word) for word in ignore_terms}
        ignored.discard("")
        self.terms = terms
        self._risks = _Matcher()
        # What the fast pre-check looks for: whole terms and the last part of gapped ones.
        self._triggers = _Matcher()
        for index, term in enumerate(terms):
            parts = term.parts
            if len(parts) > 1:
                # Each part is matched alone; _judge keeps them only in order and close.
                for number, part in enumerate(parts):
                    stem = term.stem and number == len(parts) - 1
                    self._risks.add(self._key(part), (index, number), stem=stem)
                self._triggers.add(self._key(part), index, stem=stem)
                continue
            key = self._key(term.text)
            if not key or key in ignored:
                continue
            for variant in _variants(term, key):
                self._risks.add(variant, (index, WHOLE), stem=term.stem)
                self._triggers.add(variant, index, stem=term.stem)
        self._risks.finish()
        self._triggers.finish()
        self._context = _Matcher()
        for group, phrases in lexicon.context.items():
            for phrase in phrases:
                key = self._key(phrase)
                if key:
                    self._context.add(key.rstrip("*"), group, stem=phrase.endswith("*"))
        for key in ignored:
            self._context.add(key, "benign")
        self._context.finish()

    def _key(self, text: str) -> str:
        """A phrase in the normalised spelling the matcher sees."""
        return normalise_fast(text, self._slang)[0]

    @classmethod
    def default(
        cls,
        extra_terms: Mapping[str, Iterable[str]] | None = None,
        ignore_terms: Iterable[str] = (),
    ) -> Classifier:
        """The classifier with Harbour's shipped lexicons and a school's own terms."""
        return cls(load_default(), extra_terms=extra_terms, ignore_terms=ignore_terms)

    def could_match(self, text: str) -> bool:
        """Cheap pre-check: False means :meth:`classify` would return no risk."""
        forms = normalise_fast(text, self._slang)
        return any(self._triggers.any(form, i > 0) for i, form in enumerate(forms))

    def classify(self, text: str) -> list[Risk]:
        """The risks in ``text``: one per category, strongest first; empty when none."""
        if not self.could_match(text):
            return []
        best: dict[str, Risk] = {}
        for i, form in enumerate(normalise(text, self._slang)):
            for risk in self._judge(text, form, collapsed=i > 0):
                held = best.get(risk.category)
                if held is None or risk.severity > held.severity:
                    best[risk.category] = risk
        return sorted(best.values(), key=lambda r: (-r.severity, PRIORITY.index(r.category)))

    def _term_hits(self, text: str, collapsed: bool) -> list[_Hit]:
        """Hits whose value is a term index; gapped terms only when all parts line up."""
        whole: list[_Hit] = []
        parts: dict[int, list[tuple[int, _Hit]]] = {}
        for hit in self._risks.hits(text, collapsed):
            index, number = hit.value  # type: ignore[misc]
            if number == WHOLE:
                whole.append(_Hit(index, hit.start, hit.end))
            else:
                parts.setdefault(index, []).append((number, hit))
        for index, found in parts.items():
            span = _chain(text, found, len(self.terms[index].parts))
            if span:
                whole.append(_Hit(index, *span))
        return whole

    def _judge(self, original: str, form: Normalised, collapsed: bool) -> list[Risk]:
        context = self._context.hits(form.text, collapsed)
        for m in _DIGITS.finditer(form.text):
            context.append(_Hit(NUMBER, m.start(), m.end()))
            if int(m.group()) >= MANY_FROM:
                context.append(_Hit(MANY, m.start(), m.end()))
        groups = {hit.value for hit in context}
        benign = [(h.start, h.end) for h in context if h.value == "benign"]
        helping = "help_other" in groups and "first_person" not in groups
        silenced = helping or "framing" in groups
        joking = "joke" in groups
        per_category: dict[str, list[tuple[Term, _Hit]]] = {}
        for hit in self._term_hits(form.text, collapsed):
            term = self.terms[hit.value]  # type: ignore[index]
            if term.ambiguous and (silenced or joking and _joke_sized(term)):
                continue
            if not _is_benign(hit, benign):
                per_category.setdefault(term.category, []).append((term, hit))
        risks = []
        for category, found in per_category.items():
            kept = [
                (term, hit)
                for term, hit in found
                if not term.needs
                or _supported(hit, term.needs, context)
                or _corroborated(hit, found)
            ]
            if not kept:
                continue
            term, hit = max(kept, key=_strength)
            # Context inside the term itself ("delete" in "delete this chat") adds nothing.
            outside = _outside(hit, context)
            boost = sum(1 for group in BOOSTS.get(category, ()) if group in outside)
            if any(_corroborated(other, kept) for _, other in kept):
                boost += 1
            severity = min(5, term.severity + boost)
            if helping:
                severity = min(severity, HELP_CAP)
            a, b = form.original_span(hit.start, hit.end)
            risks.append(Risk(category, severity, original[a:b], term.term_id, term.language))
        return risks


def _is_benign(hit: _Hit, benign: list[tuple[int, int]]) -> bool:
    """A term overlapping a benign idiom is hidden ("want to die" in "want to die my hair")."""
    return any(a < hit.end and hit.start < b for a, b in benign)


def _chain(text: str, found: list[tuple[int, _Hit]], count: int) -> tuple[int, int] | None:
    """The span of parts 0..count-1 in order, each at most GAP_WORDS words after the last."""
    by_part: dict[int, list[_Hit]] = {}
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


def _strength(found: tuple[Term, _Hit]) -> tuple[int, bool, bool, int]:
    """Which of a category's hits is the evidence: gravest, then plainest, then longest."""
    term, hit = found
    return term.severity, not term.ambiguous, not term.stem, hit.end - hit.start


def _joke_sized(term: Term) -> bool:
    """True if laughter makes this ambiguous term harmless: hyperbole, or mild teasing."""
    return term.category in JOKE_CATEGORIES or term.severity <= 2


def _outside(hit: _Hit, context: list[_Hit]) -> set[object]:
    """The context groups found outside the span of ``hit``."""
    return {c.value for c in context if c.end <= hit.start or hit.end <= c.start}


def _supported(hit: _Hit, needs: tuple[frozenset[str], ...], context: list[_Hit]) -> bool:
    """True if, for every need, a phrase of one of its groups occurs outside the term itself."""
    outside = _outside(hit, context)
    return all(groups & outside for groups in needs)


def _corroborated(hit: _Hit, found: list[tuple[Term, _Hit]]) -> bool:
    """True if a different term of the category matched elsewhere in the text (not overlapping)."""
    return any(
        other.value != hit.value and (other.end <= hit.start or hit.end <= other.start)
        for _, other in found
    )
