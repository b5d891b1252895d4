"""Lexicon files: strict parsing with file and line in every message."""

from __future__ import annotations

import collections
import dataclasses

import pytest

from harbour.monitoring.classifier import Classifier
from harbour.monitoring.lexicon import (
    Lexicon,
    LexiconError,
    load_default,
    parse_pairs,
    parse_terms,
)


def test_terms_carry_severity_flags_language_and_stems() -> None:
    text = (
        "# comment\nkill myself\t5\n@lang pl\nsamoboj*\t3\tambiguous\ndie\t4\tneeds=intent+method\n"
    )
    kill, stem, die = parse_terms("suicide.tsv", "suicide", text)
    assert (kill.text, kill.severity, kill.language, kill.ambiguous) == (
        "kill myself",
        5,
        "en",
        False,
    )
    assert (stem.text, stem.stem, stem.language, stem.ambiguous) == ("samoboj", True, "pl", True)
    assert die.needs == (frozenset({"intent", "method"}),) and die.ambiguous


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ok\t3\nkill myself\t9\n", "suicide.tsv:2: severity must be 1-5, not '9'"),
        ("kill myself\n", "suicide.tsv:1: expected 'term<TAB>severity[<TAB>flags]'"),
        ("a\t3\nb\t3\tsilly\n", "suicide.tsv:2: unknown flag 'silly'"),
        ("@lang\n", "suicide.tsv:1: '@lang' needs one language code"),
    ],
)
def test_a_malformed_term_line_is_named_by_file_and_line(text: str, message: str) -> None:
    with pytest.raises(LexiconError) as caught:
        parse_terms("suicide.tsv", "suicide", text)
    assert str(caught.value) == message


def test_a_malformed_context_line_is_named_by_file_and_line() -> None:
    with pytest.raises(LexiconError, match=r"^context.tsv:2: expected two tab-separated fields"):
        parse_pairs("context.tsv", "how to\tintent\nlonely\n")


def test_a_term_needing_an_unknown_context_group_is_refused() -> None:
    terms = parse_terms("drugs.tsv", "drugs", "coke\t2\tneeds=amounts\n")
    with pytest.raises(
        LexiconError, match=r"drugs/coke: needs unknown context group \['amounts'\]"
    ):
        Classifier(Lexicon(terms=terms, context={"amount": ["how much"]}))


def test_shipped_lexicons_say_each_thing_once() -> None:
    lexicon = load_default()
    terms = collections.Counter(dataclasses.astuple(t)[1:] for t in lexicon.terms)
    assert [t for t, n in terms.items() if n > 1] == []
    for group, phrases in lexicon.context.items():
        assert [p for p, n in collections.Counter(phrases).items() if n > 1] == [], group
