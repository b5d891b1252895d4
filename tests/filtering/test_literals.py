"""Literal pre-filters never rule out an expression that would have matched."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harbour.filtering.literals import required_alternatives, required_literals
from tests.paths import UT1

SYNTHETIC = [
    r"google\..*/search",
    r"(^|[-./])xxx([-./]|$)",
    r"(poker|casino)+online",
    r"(?:bet){2,}365",
    r"ab(c|de)fgh",
    r"(/banner/|/sponsor/|adverts/)",
    r"^[0-9]+\.[0-9]+/search\?q=[0-9]+$",
    r"(?i)FreeGames(?!\.edu)",
    r"a.c",
    r"x*y?z{0,2}",
]


def ut1_expressions() -> list[str]:
    files = sorted(UT1.glob("*/expressions")) + sorted(UT1.glob("*/very_restrictive_expression"))
    return [line.strip() for f in files for line in f.read_text().splitlines() if line.strip()]


PATTERNS = SYNTHETIC + ut1_expressions()
# Every literal run in the patterns, so generated texts can satisfy any branch of any pattern.
WORDS = {w for p in PATTERNS for w in re.findall(r"[A-Za-z0-9/]{2,}", p)}
FRAGMENTS = sorted(
    {lit for p in PATTERNS for lit in (required_literals(p) or ())}
    | {lit for p in PATTERNS for alt in required_alternatives(p) or () for g in alt for lit in g}
    | WORDS
)


def test_needed_literals_are_found_for_typical_list_expressions() -> None:
    assert required_literals(r"google\..*/search") == {"google."}
    assert required_literals(r"(/banner/|/sponsor/)") == {"banner/", "sponsor/"}  # '/' factored out
    assert required_literals(r"(poker|casino)+online") == {"online"}
    assert required_literals("a.c") is None  # nothing long enough to be worth testing
    assert required_literals("x*y?z{0,2}") is None


def test_each_alternative_needs_every_literal_piece_of_its_branch() -> None:
    assert required_alternatives(r"google\..*/search.q=cache") == [
        (frozenset({"google."}), frozenset({"/search"}), frozenset({"q=cache"}))
    ]
    assert required_alternatives(r"((bing\.com/videos)|(yahoo.*/images))(porn|xxx)") == [
        (frozenset({"bing.com/videos"}), frozenset({"porn", "xxx"})),
        (frozenset({"yahoo"}), frozenset({"/images"}), frozenset({"porn", "xxx"})),
    ]
    assert required_alternatives(r"(casino.*online|/poker/)") == [
        (frozenset({"casino"}), frozenset({"online"})),
        (frozenset({"/poker/"}),),
    ]
    assert required_alternatives(r"(casino|a.c)") is None  # one branch needs nothing provable


@pytest.mark.parametrize("pattern", PATTERNS)
@settings(deadline=None, max_examples=60)
@given(data=st.data())
def test_a_pattern_never_matches_text_its_prefilters_rule_out(
    pattern: str, data: st.DataObject
) -> None:
    pieces = st.sampled_from([*FRAGMENTS, "/", ".", "-", "?q=", "0", "9", "a", "Google.", "COM/"])
    text = "".join(data.draw(st.lists(pieces, max_size=12)))
    if not re.search(pattern, text, re.IGNORECASE):
        return
    lowered = text.lower()
    needed = required_literals(pattern)
    assert needed is None or any(lit in lowered for lit in needed), (pattern, text)
    alternatives = required_alternatives(pattern)
    assert alternatives is None or any(
        all(any(lit in lowered for lit in group) for group in alt) for alt in alternatives
    ), (pattern, text)
