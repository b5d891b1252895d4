"""Training the learned word weights (:mod:`harbour.monitoring.learned`) from labelled texts,
and the optional semantic stage's weights (:mod:`harbour.monitoring.semantic`).

Needs scikit-learn (``pip install harbour[train]``); the classifier itself does not. Each
text is normalised as the classifier normalises it, turned into its features
(:func:`harbour.monitoring.learned.feature_values`: words, word pairs and word fragments) and
one multinomial logistic regression is fitted over ``none`` and each category below and at
severity 4 or more. Weights too small to change an answer are left out of the file. The
semantic stage's regression has the same classes over sentence embeddings instead of words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from harbour.monitoring.evaluate import URGENT as URGENT_SEVERITY
from harbour.monitoring.evaluate import Example
from harbour.monitoring.learned import (
    NONE,
    LearnedModel,
    data_digest,
    feature_values,
    urgent_class,
)

# Inverse regularisation strength, chosen by leave-one-round-out cross-validation
# (monitoring/README.md): 3 under-fits, 10 and 30 are close, 30 catches a little more.
C = 30.0
# The same for the semantic stage, by the same cross-validation: 1 and 3 under-fit.
SEMANTIC_C = 10.0
# Features seen in fewer texts than this are noise, not evidence.
MIN_TEXTS = 2
# Weights below this (in every class) are dropped from the shipped file.
PRUNE = 0.01


def training_digest(examples: Sequence[Example], normalise: Callable[[str], str]) -> str:
    """Fingerprint of what the model learns from: normalised texts and their labels."""
    return data_digest(f"{normalise(e.text)}\t{e.category}\t{e.severity}" for e in examples)


def _check(examples: Sequence[Example]) -> None:
    """ValueError unless ``examples`` hold every kind of class the joint model needs."""
    categories = {e.category for e in examples}
    if NONE not in categories or len(categories) < 3:
        raise ValueError("training needs benign ('none') texts and at least two risk categories")
    if not any(e.severity >= URGENT_SEVERITY for e in examples):
        raise ValueError(f"training needs urgent texts (severity {URGENT_SEVERITY} or more)")


def _labels(examples: Sequence[Example]) -> list[str]:
    """Each text's class: its category, marked urgent at severity 4 or more."""
    return [
        urgent_class(e.category) if e.severity >= URGENT_SEVERITY else e.category for e in examples
    ]


def train(examples: Sequence[Example], normalise: Callable[[str], str]) -> LearnedModel:
    """Fit the joint category-and-urgency model on ``examples``; raise ValueError if too few."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    _check(examples)
    per_text = [feature_values(normalise(e.text)) for e in examples]
    counts: dict[str, int] = {}
    for found in per_text:
        for feature in found:
            counts[feature] = counts.get(feature, 0) + 1
    vocabulary = sorted(f for f, n in counts.items() if n >= MIN_TEXTS)
    column = {feature: i for i, feature in enumerate(vocabulary)}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for row, found in enumerate(per_text):
        for feature, value in found.items():
            if feature in column:
                rows.append(row)
                cols.append(column[feature])
                values.append(value)
    matrix = csr_matrix((values, (rows, cols)), shape=(len(examples), len(vocabulary)))
    fitted = LogisticRegression(C=C, max_iter=5000).fit(matrix, _labels(examples))
    classes = [str(c) for c in fitted.classes_]
    bias = [float(b) for b in fitted.intercept_]
    weights: dict[str, list[float]] = {}
    for feature, i in column.items():
        column_weights = [float(w) for w in fitted.coef_[:, i]]
        if max(abs(w) for w in column_weights) >= PRUNE:
            weights[feature] = column_weights
    return LearnedModel(classes, bias, weights, training_digest(examples, normalise))


def semantic_digest(examples: Sequence[Example]) -> str:
    """Fingerprint of what the semantic stage learns from: texts as written and their labels."""
    return data_digest(f"{e.text}\t{e.category}\t{e.severity}" for e in examples)


def train_semantic(
    examples: Sequence[Example], encode_all: Callable[[list[str]], Any]
) -> LearnedModel:
    """Fit the semantic stage's joint model on the embeddings ``encode_all`` gives (one row a
    text); raise ValueError if too few."""
    from sklearn.linear_model import LogisticRegression

    from harbour.monitoring.semantic import DIMENSION

    _check(examples)
    embeddings = encode_all([e.text for e in examples])
    fitted = LogisticRegression(C=SEMANTIC_C, max_iter=5000).fit(embeddings, _labels(examples))
    weights = {
        f"{DIMENSION}{i}": [float(w) for w in fitted.coef_[:, i]]
        for i in range(fitted.coef_.shape[1])
    }
    classes = [str(c) for c in fitted.classes_]
    bias = [float(b) for b in fitted.intercept_]
    return LearnedModel(classes, bias, weights, semantic_digest(examples))
