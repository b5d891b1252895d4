"""Misspellings: one slip of the finger still reaches the lexicon word."""

from __future__ import annotations

from pathlib import Path

import pytest

from harbour.monitoring import Classifier
from harbour.monitoring.lexicon import load_default
from harbour.monitoring.misspell import collisions, misspellings, shipped_real_words, variants

DICTIONARY = Path("/usr/share/dict/words")


def test_variants_are_deletions_and_swaps() -> None:
    assert {"sucide", "suicdie", "usicide"} <= variants("suicide")
    assert "suicide" not in variants("suicide")


def test_a_variant_that_is_a_known_word_or_shared_by_two_words_is_dropped() -> None:
    found = misspellings(["blades", "killed", "kilted"], known={"blads"}, real={"blade"})
    assert "blade" not in found and "blads" not in found
    assert "kiled" not in found  # a deletion of both "killed" and "kilted"
    assert found["bldes"] == "blades"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("how to comit sucide", "suicide"),
        ("i want to kill myslef", "suicide"),
        ("undrage nudes", "illegal"),
        ("chld porn", "illegal"),
        ("paracetmol overdsoe how many", "suicide"),
    ],
)
def test_misspelt_risks_are_still_found(classifier: Classifier, text: str, category: str) -> None:
    risks = classifier.classify(text)
    assert risks and risks[0].category == category


@pytest.mark.skipif(not DICTIONARY.exists(), reason="no system word list (apt install wbritish)")
def test_no_misspelling_rewrites_a_real_english_word(classifier: Classifier) -> None:
    lexicon = load_default()
    dictionary = {
        w.strip().lower().replace("'", "") for w in DICTIONARY.read_text("utf-8").splitlines()
    }
    missing = collisions(classifier.words(lexicon), dictionary) - shipped_real_words()
    assert not missing, f"add to lexicons/real_words.txt: {sorted(missing)[:20]}"
