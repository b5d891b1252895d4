"""Training the learned word weights (:mod:`harbour.monitoring.learned`) from labelled texts.

Needs scikit-learn (``pip install harbour[train]``); the classifier itself does not. Each
text is normalised as the classifier normalises it, turned into its features
(:func:`harbour.monitoring.learned.feature_values`: words, word pairs and word fragments) and
one multinomial logistic regression is fitted over ``none`` and each category below and at
severity 4 or more. Weights too small to change an answer are left out of the file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
# Features seen in fewer texts than this are noise, not evidence.
MIN_TEXTS = 2
# Weights below this (in every class) are dropped from the shipped file.
PRUNE = 0.01


def training_digest(examples: Sequence[Example], normalise: Callable[[str], str]) -> str:
    """Fingerprint of what the model learns from: normalised texts and their labels."""
    return data_digest(f"{normalise(e.text)}\t{e.category}\t{e.severity}" for e in examples)


def train(examples: Sequence[Example], normalise: Callable[[str], str]) -> LearnedModel:
    """Fit the joint category-and-urgency model on ``examples``; raise ValueError if too few."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    categories = {e.category for e in examples}
    if NONE not in categories or len(categories) < 3:
        raise ValueError("training needs benign ('none') texts and at least two risk categories")
    if not any(e.severity >= URGENT_SEVERITY for e in examples):
        raise ValueError(f"training needs urgent texts (severity {URGENT_SEVERITY} or more)")
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
    labels = [
        urgent_class(e.category) if e.severity >= URGENT_SEVERITY else e.category for e in examples
    ]
    fitted = LogisticRegression(C=C, max_iter=5000).fit(matrix, labels)
    classes = [str(c) for c in fitted.classes_]
    bias = [float(b) for b in fitted.intercept_]
    weights: dict[str, list[float]] = {}
    for feature, i in column.items():
        column_weights = [float(w) for w in fitted.coef_[:, i]]
        if max(abs(w) for w in column_weights) >= PRUNE:
            weights[feature] = column_weights
    return LearnedModel(classes, bias, weights, training_digest(examples, normalise))
