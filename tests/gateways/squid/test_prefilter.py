"""The expression prefilter never hides a match: it agrees with running every pattern."""

from __future__ import annotations

import re

import pytest

from harbour.gateways.squid.prefilter import ExpressionFilter, needs
from tests.paths import UT1

TEXTS = [
    "www.google.co.uk/search?q=cache:example.org",
    "images.google.fr/images?q=tbn:abc",
    "www.bing.com/videos/search?q=cats",
    "10.1.2.3/search?q=42",
    "WWW.GOOGLE.COM/SEARCH?Q=CACHE:X",
    "www.example.org/news/2026/story?id=3",
    "translate.google.com/translate?u=http://example.org",
    "",
]


def ut1_expressions() -> list[str]:
    patterns = []
    for path in sorted(UT1.glob("*/expressions")):
        patterns += [line.strip() for line in path.read_text(errors="replace").splitlines()]
    return [p for p in patterns if p]


def test_the_filter_agrees_with_every_pattern_run_in_full() -> None:
    patterns = ut1_expressions() + [r"casino\d+", "(?:ab|cd)+ef", "^[a-z]+$", "(poker|slots?)"]
    if len(patterns) < 5:
        pytest.skip(f"no UT1 expressions at {UT1}")
    texts = TEXTS + ["casino77.example/", "xxcdabef.example", "onlyletters", "free-slot.example/"]
    for pattern in patterns:
        one = ExpressionFilter([pattern])
        for text in texts:
            assert one.search(text) == bool(re.search(pattern, text, re.I)), (pattern, text)


def test_a_match_needs_every_word_of_one_of_its_alternatives() -> None:
    pattern = r"((google\..*/search.q=cache)|(bing\.com/videos))"
    found = needs(re._parser.parse(pattern))  # type: ignore[attr-defined]
    assert found is not None
    assert set(found) == {
        frozenset({"google.", "/search", "q=cache"}),
        frozenset({"bing.com/videos"}),
    }
    only = ExpressionFilter([pattern])
    assert not only.search("example.org/images/search/google-logo.png")  # no "q=cache"
    assert only.search("www.google.fr/search?q=cache:x")


def test_a_pattern_without_literals_is_always_run() -> None:
    assert needs(re._parser.parse(r"[a-z]+\d")) is None  # type: ignore[attr-defined]
    assert ExpressionFilter([r"[a-z]+\d"]).search("abc1")
