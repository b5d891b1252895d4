"""Optional second stage: scores meaning rather than words (``pip install harbour[semantic]``).

Each text is embedded with all-MiniLM-L6-v2 (:mod:`harbour.monitoring.minilm`) and read by a
multinomial logistic regression over the 384 embedding dimensions, trained on the same
labelled texts and classes as the learned word weights (``none`` and each category below and
at severity 4; ``harbour monitor train --semantic`` writes ``semantic_weights.tsv`` in the
word weights' format, one row per dimension). So it catches what no word list has: "soon
none of u will have to deal with me anymore", "i deserve the pain so i do it to myself".

It runs only on texts the lexicon stage (learned weights included) found no urgent risk in, at
about 30 texts a second on one core, so it suits a queue worker rather than the request path.
Like the learned weights, it finds a risk of severity 4 at most: a person reads it first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from harbour.monitoring.classifier import Classifier, Risk, raise_top, whole_text
from harbour.monitoring.learned import Judgement, LearnedModel, parse

# Chosen by leave-one-round-out cross-validation on rounds 46-53 (monitoring/README.md,
# `bench/monitoring_first_look.py --semantic`): a text reads as urgent below 0.1 benign, which
# took the lexicon stage's 1,405 of 1,583 urgent texts to 1,451 and its false alarms from 46
# to 58 of 1,333 (0.2 found more at over twice the false alarms). A mild risk needs more
# certainty: below 0.05, in a one-off count, it found 156 more of 944 mild texts for 2.
URGENT_NONE_BELOW = 0.1
URGENT_ABOVE = 0.5
MILD_NONE_BELOW = 0.05
URGENT_SEVERITY = 4
MILD_SEVERITY = 3
DIMENSION = "dim"  # a row of the weights file is the weights of embedding dimension dim<i>
WEIGHTS_FILE = "semantic_weights.tsv"


def available() -> bool:
    """True if the ``semantic`` extra (the bundled model) is installed."""
    try:
        from harbour.monitoring.minilm import model_dir

        return model_dir().exists()
    except ImportError:
        return False


def shipped_path() -> Path:
    """Where the shipped weights live in the source tree (for ``harbour monitor train``)."""
    return Path(__file__).parent / WEIGHTS_FILE


@cache
def load_shipped() -> LearnedModel:
    """The semantic weights shipped with Harbour, read once per process."""
    resource = resources.files("harbour.monitoring") / WEIGHTS_FILE
    return parse(resource.read_text("utf-8"), WEIGHTS_FILE)


def weight_matrix(model: LearnedModel) -> np.ndarray:
    """The model's weights as a (dimensions × classes) matrix; ValueError if rows are missing."""
    rows: list[list[float]] = []
    while f"{DIMENSION}{len(rows)}" in model.weights:
        rows.append(model.weights[f"{DIMENSION}{len(rows)}"])
    if len(rows) != len(model.weights):
        raise ValueError(f"{WEIGHTS_FILE}: rows must be {DIMENSION}0, {DIMENSION}1, … in order")
    return np.array(rows, dtype=np.float32)


class SemanticStage:
    """A learned reading of sentence embeddings; see the module docstring."""

    def __init__(self, model: LearnedModel | None = None) -> None:
        from harbour.monitoring.minilm import MiniLM

        self.encoder = MiniLM()
        self.model = model or load_shipped()
        self.matrix = weight_matrix(self.model)
        self.bias = np.array(self.model.bias, dtype=np.float32)

    def judge_embedding(self, embedding: np.ndarray) -> Judgement:
        """What the weights make of an embedding already worked out."""
        logits = self.bias + embedding @ self.matrix
        return self.model.judgement([float(v) for v in logits])

    def judge(self, text: str) -> Judgement:
        """What the weights make of ``text``'s embedding."""
        return self.judge_embedding(self.encoder.encode(text))

    def classify(self, text: str, risks: Sequence[Risk] = ()) -> list[Risk]:
        """``risks`` (the lexicon stage's) amended by this stage; see :func:`amend`."""
        return amend(risks, text, False, lambda: self.judge(text))


def amend(
    risks: Sequence[Risk], text: str, idiomatic: bool, judge: Callable[[], Judgement]
) -> list[Risk]:
    """The lexicon stage's ``risks`` for ``text`` amended by the semantic stage's ``judge()``.

    An urgent lexicon risk stands, unjudged. A text the lexicons found nothing in gets a risk
    of severity 4 if it reads as both risky and urgent, or of severity 3 if it reads as a
    mild risk with near certainty — unless it holds a benign idiom the lexicons know
    (``idiomatic``: "killing it", "hanging out"), which vetoes it as it vetoes the learned
    words (cross-validated, such an idiom was in none of the stage's true finds and in a fifth
    of its false alarms). A mild lexicon risk is raised to 4 if the text reads as urgent.
    Never a critical (5) alert: a person reads these first.
    """
    if risks and risks[0].severity >= URGENT_SEVERITY:
        return list(risks)
    if not risks and idiomatic:
        return []
    judgement = judge()
    urgent = judgement.p_none < URGENT_NONE_BELOW and judgement.p_urgent > URGENT_ABOVE
    if risks:
        if not urgent:
            return list(risks)
        return raise_top(risks, URGENT_SEVERITY, f"semantic:{judgement.p_urgent:.2f}")
    if urgent:
        severity = URGENT_SEVERITY
    elif judgement.p_none < MILD_NONE_BELOW:
        severity = MILD_SEVERITY
    else:
        return []
    term_id = f"semantic/{judgement.category}:{1 - judgement.p_none:.2f}"
    return [Risk(judgement.category, severity, whole_text(text), term_id, "semantic")]


class TwoStageClassifier:
    """The lexicon stage, then the semantic stage for texts it found no urgent risk in."""

    def __init__(self, lexicon: Classifier, semantic: SemanticStage) -> None:
        self.lexicon = lexicon
        self.semantic = semantic

    def classify(self, text: str) -> list[Risk]:
        """The lexicon stage's risks, amended by the semantic stage's (:func:`amend`)."""
        risks = self.lexicon.classify(text)
        idiomatic = not risks and self.lexicon.has_benign_idiom(self.lexicon.normal_form(text))
        return amend(risks, text, idiomatic, lambda: self.semantic.judge(text))


def encode_all(texts: Sequence[str]) -> np.ndarray:
    """The embeddings of ``texts`` (one row each), worked out on every core."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    if not texts:
        return np.empty((0, 0), dtype=np.float32)
    workers = max(1, min(os.cpu_count() or 1, 8))
    chunks = [list(texts[i::workers]) for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(_encode_chunk, chunks))
    rows = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)
    for i, part in enumerate(parts):
        rows[i::workers] = part
    return rows


def _encode_chunk(texts: list[str]) -> np.ndarray:
    from harbour.monitoring.minilm import MiniLM

    encoder = MiniLM()
    return np.array([encoder.encode(t) for t in texts], dtype=np.float32)
