"""Text normalisation against evasion, with an offset map back to the original text.

Pupils write "k1ll mys3lf", "k i l l  m y s e l f", "diiiie", "s.u.i.c.i.d.e", "kіll" with a
Cyrillic "і", "kms" and "unalive". The classifier matches its lexicons against the output of
this module, and the lexicon terms themselves go through the same function, so both sides meet
in one spelling.

The pipeline is a fixed list of regular-expression steps. Each step runs in two ways:

* :func:`normalise_fast` applies the steps with plain ``re.sub`` — C speed, no offsets. The
  classifier uses it to decide, for the great majority of texts, that nothing matches.
* :func:`normalise` applies the same steps while carrying, for every output character, the
  span of the original text it came from, so evidence can quote what the pupil typed.

Because both run the very same patterns and replacement functions, they produce the same
string (a test checks this on every evaluation text).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

# Latin look-alikes from Cyrillic and Greek. Applied only to words whose non-ASCII letters are
# all look-alikes, so genuine Russian or Greek words are left alone.
_CONFUSABLES = {
    **dict(zip("аеорсухіјѕԁɡһӏԛԝ", "aeopcyxijsdghlqw", strict=True)),
    **dict(zip("αβεικνορτυχωϲ", "abeiknoptuxwc", strict=True)),
    "ı": "i",
    "ł": "l",
    "đ": "d",
    "ø": "o",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
}
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)


# Emoji pupils use for laughing read as "lol", so they mark a joke as the word does.
_LAUGHTER = frozenset("\U0001f602\U0001f923\U0001f480\U0001f606")  # 😂 🤣 💀 😆


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """NFKC, casefold and strip accents from one non-ASCII character."""
    if char in _LAUGHTER:
        return " lol "
    folded = unicodedata.normalize("NFKC", char).casefold()
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    return stripped or folded


def _fold_word(match: re.Match[str]) -> str:
    word = "".join(_fold_char(c) if not c.isascii() else c for c in match.group())
    foreign = [c for c in word if not c.isascii() and c.isalpha()]
    if foreign and all(c in _CONFUSABLES for c in foreign):
        word = "".join(_CONFUSABLES.get(c, c) for c in word)
    return word


def _lower(match: re.Match[str]) -> str:
    return match.group().lower()


def _undot(match: re.Match[str]) -> str:
    run = match.group()
    # "3.5" and "1,000" are numbers, not disguised words.
    return _SEPARATORS.sub("", run) if _LETTER.search(run) else run


def _leet(match: re.Match[str]) -> str:
    """Leetspeak in a whole text: words mixing letters and digits are read as letters.

    When the text has such a word ("w4nt", "d13"), short all-digit words are leetspeak too
    ("1 w4nt 70 d13" → "i want to die"); otherwise numbers are numbers ("take 20 pills").
    """
    text = match.group()
    words = text.split(" ")
    mixed = [i for i, word in enumerate(words) if _LEET_WORD.fullmatch(word)]
    if not mixed:
        return text
    for i, word in enumerate(words):
        if i in mixed or (len(word) <= 4 and _LEET_ONLY.fullmatch(word)):
            words[i] = word.translate(_LEET)
    return " ".join(words)


# Letters that are words by themselves in text-speak: "how r u", "u r a loser".
_LETTER_WORDS = frozenset("abcikmnoruxy ")


def _unspace(match: re.Match[str]) -> str:
    run = match.group()
    if _LETTER_WORDS.issuperset(run):
        return run
    # Within a run of spaced-out letters, a wider gap is a word break.
    return _WIDE_GAP.sub("\0", run).replace(" ", "").replace("\0", " ")


def _glue(match: re.Match[str]) -> str:
    return match.group(1) + match.group(2)


def _unstretch(match: re.Match[str]) -> str:
    char = match.group(1)
    return "xxx" if char == "x" else char


_SEPARATORS = re.compile(r"[.\-_,]")
_LETTER = re.compile(r"[a-z]")
_UNITS = r"mg|g|kg|km|kms|mm|cm|ml|lb|lbs|am|pm|k|x|s|mph|mins?|hrs?|gb|mb|yo|1st|2nd|3rd|\d?th"
# A word with a letter and a leetspeak character that is not a number with a unit ("100mg").
_LEET_WORD = re.compile(rf"(?!\d*(?:{_UNITS})$)(?=.*[a-z])(?=.*[0134578@$]).+")
_LEET_ONLY = re.compile(r"[0134578@$]+")
_WHOLE = re.compile(r"(?s).+")
_WIDE_GAP = re.compile(r" {2,}")


@dataclass(frozen=True)
class _Step:
    pattern: re.Pattern[str]
    repl: Callable[[re.Match[str]], str] | str
    # Skipped when the guard finds nothing: the step could not change the text anyway.
    guard: re.Pattern[str] | _AnyOf | None = None
    # True if the step can change a text made only of a-z and spaces.
    plain: bool = False


class _AnyOf:
    """``search(text)`` for literal strings, by Aho-Corasick (much faster than ``(.)\\1\\1``)."""

    def __init__(self, words: Iterable[str]) -> None:
        self._automaton = ahocorasick.Automaton()
        for word in words:
            self._automaton.add_word(word, word)
        self._automaton.make_automaton()

    def search(self, text: str) -> bool:
        """True if any of the words occurs in ``text``."""
        return first_match(self._automaton, text)


class _Found(Exception):
    pass


def _stop(end: int, value: object) -> None:
    raise _Found


def first_match(automaton: ahocorasick.Automaton, text: str) -> bool:
    """True if ``automaton`` matches anywhere in ``text`` (stops at the first match)."""
    try:
        automaton.find_all(text, _stop)
    except _Found:
        return True
    return False


_LEET_CHARS = re.compile(r"[0134578@$]")
_NOT_PLAIN = re.compile(r"[^a-z ]")

# Order matters: each step assumes the ones before it.
_STEPS: list[_Step] = [
    # Non-ASCII words: NFKC, casefold, accents, confusables.
    _Step(re.compile(r"\S*[^\x00-\x7f]\S*"), _fold_word),
    _Step(re.compile(r"[A-Z]+"), _lower),
    # French elision separates words: "l'état" is "l état", "qu'on" is "qu on" ("i'm" stays).
    _Step(re.compile(r"(?:(?<=\b[a-hj-z])|(?<=\bqu))['’‘`´](?=[a-z])"), " "),
    # Other apostrophes vanish: "don't" is "dont" on both sides.
    _Step(re.compile(r"['’‘`´]"), ""),
    # s.u.i.c.i.d.e, k-i-l-l, t.o: single characters joined by separators.
    _Step(
        re.compile(r"(?<![a-z0-9])[a-z0-9](?:[.\-_,]{1,3}[a-z0-9](?![a-z0-9]))+"),
        _undot,
        _SEPARATORS,
    ),
    # Leetspeak inside words that have letters, but not "100mg", "5km", "2nd".
    _Step(_WHOLE, _leet, _LEET_CHARS),
    # Other punctuation separates words; "*" inside a word stands for a hidden letter.
    _Step(re.compile(r"[^\w *]|_"), " "),
    _Step(re.compile(r"(?<![a-z])\*+|\*+(?![a-z])"), " ", re.compile(r"\*")),
    # k i l l  m y s e l f: runs of three or more single characters.
    _Step(
        re.compile(r"(?<!\S)[a-z0-9*](?: {1,3}[a-z0-9*](?!\S)){2,}"),
        _unspace,
        re.compile(r" [a-z0-9*] "),  # the middle letter of any such run
        plain=True,
    ),
    # A number and its unit are one word: "5 kms" is a distance, not "kill myself".
    _Step(re.compile(r"(?<!\S)(\d+) (kms|km|mg|kg|ml|mph)(?!\S)"), _glue, re.compile(r"\d")),
    # Leetspeak again for what the previous step joined ("p 0 r n").
    _Step(_WHOLE, _leet, _LEET_CHARS),
    # diiiie, sooo: three or more of a letter become one ("xxx" stays a word).
    _Step(
        re.compile(r"([a-z])\1{2,}"),
        _unstretch,
        _AnyOf([*(c * 3 for c in "abcdefghijklmnopqrstuvwyz"), "xxxx"]),
        plain=True,
    ),
]

_PLAIN_STEPS = [step for step in _STEPS if step.plain]
_WORD = re.compile(r"\S+")
_DOUBLE = re.compile(r"([a-z])\1")
_STRETCH = _STEPS[-1]


def _collapse_doubles(match: re.Match[str]) -> str:
    return match.group(1)


class Slang:
    """Word-level rewrites (``kms`` stays a term, but ``wanna`` → ``want to``, ``u`` → ``you``)."""

    def __init__(self, words: dict[str, str], phrases: dict[str, str]) -> None:
        self.words = words
        self.phrases = phrases
        self.phrase_pattern = _whole_words(phrases)
        # Last words of the phrases (after word rewrites): no phrase can match without one.
        self.phrase_ends = {key.split()[-1] for key in phrases}

    def word(self, match: re.Match[str]) -> str:
        """Replacement for one word."""
        token = match.group()
        return self.words.get(token, token)

    def phrase(self, match: re.Match[str]) -> str:
        """Replacement for one multi-word phrase."""
        return self.phrases[match.group()]


def _whole_words(keys: Iterable[str]) -> re.Pattern[str]:
    """A pattern matching any of ``keys`` as whole space-separated words."""
    alternation = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
    return re.compile(rf"(?<!\S)(?:{alternation or '(?!x)x'})(?!\S)")


@dataclass(frozen=True)
class Normalised:
    """Normalised text with, per character, the original span it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text behind normalised characters ``start:end``."""
        return self.starts[start], self.ends[end - 1]


def _tracked_sub(
    state: Normalised, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str] | str
) -> Normalised:
    """``pattern.sub(repl, ...)`` that keeps the offset map in step (``repl`` is literal text)."""
    text, starts, ends = state.text, state.starts, state.ends
    if pattern.search(text) is None:
        return state
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    last = 0
    for match in pattern.finditer(text):
        a, b = match.span()
        out.append(text[last:a])
        new_starts.extend(starts[last:a])
        new_ends.extend(ends[last:a])
        replacement = repl if isinstance(repl, str) else repl(match)
        out.append(replacement)
        if len(replacement) == b - a:
            new_starts.extend(starts[a:b])
            new_ends.extend(ends[a:b])
        elif replacement:
            # Length changed: every new character stands for the whole matched span.
            lo = starts[a] if a < b else (ends[a - 1] if a else 0)
            hi = ends[b - 1] if a < b else lo
            new_starts.extend([lo] * len(replacement))
            new_ends.extend([hi] * len(replacement))
        last = b
    out.append(text[last:])
    new_starts.extend(starts[last:])
    new_ends.extend(ends[last:])
    return Normalised("".join(out), tuple(new_starts), tuple(new_ends))


def _finish_fast(text: str, slang: Slang) -> str:
    words = [slang.words.get(w, w) for w in text.split()]
    text = " ".join(words)
    if slang.phrase_ends.isdisjoint(words):
        return text
    return slang.phrase_pattern.sub(slang.phrase, text)


def _finish_tracked(state: Normalised, slang: Slang) -> Normalised:
    # Joining words with single spaces, as str.split()/join do in the fast path.
    state = _tracked_sub(state, re.compile(r"\s+"), " ")
    state = _tracked_sub(state, re.compile(r"^ | $"), "")
    state = _tracked_sub(state, _WORD, slang.word)
    return _tracked_sub(state, slang.phrase_pattern, slang.phrase)


def normalise_fast(text: str, slang: Slang) -> list[str]:
    """The normalised forms of ``text`` (without offsets): one, or two if letters were stretched.

    The second form collapses doubled letters too ("killllll" → "kil"), matched against
    lexicon terms collapsed the same way.
    """
    if not text.isascii():
        steps = _STEPS
    else:
        text = text.lower()
        steps = _STEPS[2:] if _NOT_PLAIN.search(text) else _PLAIN_STEPS
    stretched = False
    for step in steps:
        if step.guard is not None and not step.guard.search(text):
            continue
        new = step.pattern.sub(step.repl, text)
        if step is _STRETCH:
            stretched = new != text
        text = new
    first = _finish_fast(text, slang)
    if not stretched:
        return [first]
    return [first, _finish_fast(_DOUBLE.sub(_collapse_doubles, text), slang)]


def normalise(text: str, slang: Slang) -> list[Normalised]:
    """Like :func:`normalise_fast`, with the original span of every character."""
    n = len(text)
    state = Normalised(text, tuple(range(n)), tuple(range(1, n + 1)))
    stretched = False
    steps = _STEPS if _NOT_PLAIN.search(text) else _PLAIN_STEPS
    for step in steps:
        if step.guard is not None and not step.guard.search(state.text):
            continue
        new = _tracked_sub(state, step.pattern, step.repl)
        if step is _STRETCH:
            stretched = new.text != state.text
        state = new
    first = _finish_tracked(state, slang)
    if not stretched:
        return [first]
    return [first, _finish_tracked(_tracked_sub(state, _DOUBLE, _collapse_doubles), slang)]


def collapse_doubles(text: str) -> str:
    """``text`` with doubled letters made single, as in the second normalised form."""
    return _DOUBLE.sub(_collapse_doubles, text)
