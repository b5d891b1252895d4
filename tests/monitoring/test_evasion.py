"""Evasion: every urgent held-out text is still urgent when disguised the ways pupils do."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from harbour.monitoring import Classifier
from tests.monitoring.conftest import DATA

LEET = str.maketrans({"e": "3", "o": "0", "i": "1", "a": "4", "s": "5", "t": "7"})
CYRILLIC = str.maketrans({"a": "а", "e": "е", "o": "о", "i": "і", "c": "с", "p": "р"})


def _stretch(text: str) -> str:
    # Stretch the first vowel of every word: "kiiiill myseeeelf".
    out = []
    for word in text.split():
        for i, char in enumerate(word):
            if char in "aeiou":
                word = word[:i] + char * 4 + word[i + 1 :]
                break
        out.append(word)
    return " ".join(out)


EVASIONS: dict[str, Callable[[str], str]] = {
    "leetspeak": lambda text: text.translate(LEET),
    "capitals": str.upper,
    "cyrillic look-alikes": lambda text: text.translate(CYRILLIC),
    "spaced letters": lambda text: "  ".join(" ".join(word) for word in text.split()),
    "dotted letters": lambda text: " ".join(".".join(word) for word in text.split()),
    "stretched letters": _stretch,
    "punctuation noise": lambda text: "..." + text.replace(" ", "... ") + "!!!",
}


def _urgent_english() -> list[str]:
    lines = [json.loads(line) for line in (DATA / "heldout.jsonl").read_text("utf-8").splitlines()]
    # Other-language lines are left out: their accents are a disguise of their own.
    return [x["text"] for x in lines if x["severity"] >= 4 and x["text"].isascii()]


@pytest.mark.parametrize("evasion", EVASIONS)
def test_disguised_urgent_texts_stay_urgent(classifier: Classifier, evasion: str) -> None:
    texts = _urgent_english()
    disguise = EVASIONS[evasion]
    missed = [
        disguise(text)
        for text in texts
        if not any(r.severity >= 4 for r in classifier.classify(disguise(text)))
    ]
    assert len(missed) <= 0.05 * len(texts), missed


@pytest.mark.parametrize("evasion", ["capitals", "punctuation noise", "stretched letters"])
def test_benign_texts_stay_benign_when_typed_loudly(classifier: Classifier, evasion: str) -> None:
    lines = [json.loads(line) for line in (DATA / "heldout.jsonl").read_text("utf-8").splitlines()]
    disguise = EVASIONS[evasion]
    alarms = [
        disguise(x["text"])
        for x in lines
        if x["category"] == "none" and classifier.classify(disguise(x["text"]))
    ]
    assert len(alarms) <= 0.05 * sum(x["category"] == "none" for x in lines), alarms
