"""Normalisation: evasions become the spelling the lexicons are written in."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harbour.monitoring import Classifier
from harbour.monitoring.normalise import Slang, normalise, normalise_fast
from tests.monitoring.conftest import DATA

SLANG = Slang({"wanna": "want to", "u": "you", "kil": "kill"}, {"my self": "myself"})


def fast(text: str) -> str:
    return normalise_fast(text, SLANG)[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("K1ll mys3lf", "kill myself"),
        ("s3lf h4rm", "self harm"),
        ("$ex @ddict", "sex addict"),
        ("k i l l  m y s e l f", "kill myself"),
        ("p 0 r n", "porn"),
        ("s.u.i.c.i.d.e", "suicide"),
        ("kill.my.self", "kill myself"),
        ("self-harm", "self harm"),
        ("don't tell", "dont tell"),
        ("i wanna die", "i want to die"),
        ("u r", "you r"),
        ("ways to kil urself", "ways to kill urself"),
        ("CHCĘ SIĘ ZABIĆ", "chce sie zabic"),
        ("popełnić samobójstwo", "popelnic samobojstwo"),
        ("ｋｉｌｌ", "kill"),
    ],
)
def test_evasions_are_read_as_plain_words(text: str, expected: str) -> None:
    assert fast(text) == expected


def test_cyrillic_lookalikes_inside_latin_words_become_latin() -> None:
    assert fast("kіll mysеlf") == "kill myself"  # Cyrillic і and е


def test_genuine_russian_words_are_not_turned_into_latin() -> None:
    assert fast("привет") == "привет"


def test_numbers_with_units_and_plain_numbers_are_not_leetspeak() -> None:
    assert fast("100mg and 5km in year 6, 1488") == "100mg and 5km in year 6 1488"


def test_stretched_letters_shrink_and_a_second_form_drops_doubled_letters() -> None:
    assert normalise_fast("diiiie", SLANG) == ["die", "die"]
    assert normalise_fast("sooooo good", SLANG) == ["so good", "so god"]
    assert normalise_fast("kill", SLANG) == ["kill"]
    assert normalise_fast("xxxxx", SLANG)[0] == "xxx"


def test_offsets_lead_back_to_what_was_typed() -> None:
    text = "ok so I wanna K.I.L.L my self"
    form = normalise(text, SLANG)[0]
    assert form.text == "ok so i want to kill myself"
    start = form.text.index("kill")
    a, b = form.original_span(start, len(form.text))
    assert text[a:b] == "K.I.L.L my self"


def _evaluation_texts() -> list[str]:
    texts = []
    for path in (DATA / "heldout.jsonl", DATA / "blind.jsonl"):
        texts += [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines()]
    return texts


def test_fast_and_tracked_forms_agree_on_every_evaluation_text() -> None:
    for text in _evaluation_texts():
        tracked = [form.text for form in normalise(text, SLANG)]
        assert tracked == normalise_fast(text, SLANG), text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aeiklmsxy0134@$.-'* \tIKЅіé_,!")), max_size=40))
def test_fast_and_tracked_forms_agree_on_any_text(text: str) -> None:
    forms = normalise(text, SLANG)
    assert [form.text for form in forms] == normalise_fast(text, SLANG)
    for form in forms:
        assert len(form.starts) == len(form.ends) == len(form.text)
        assert all(0 <= a <= b <= len(text) for a, b in zip(form.starts, form.ends, strict=True))


def test_french_elision_separates_words_but_english_contractions_join() -> None:
    assert fast("l'état qu'on t'aime") == "l etat qu on t aime"
    assert fast("I'm, don't, you're") == "im dont youre"


def test_laughing_emoji_read_as_lol(classifier: Classifier) -> None:
    assert classifier.normal_form("my mum will kill me 😂😂") == "my mum will kill me lol lol"
    assert classifier.normal_form("crying 💀") == "crying lol"
    assert classifier.normal_form("so sad 😭") == "so sad"
