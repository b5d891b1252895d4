"""The figures issue 5 asks for, on the shared dev file and on Harbour's own evaluation files.

``heldout.jsonl`` and ``blind.jsonl`` were written before the classifier existed;
``stress.jsonl`` and the ``round*.jsonl`` files were each written after a round of tuning,
measured once as unseen text (figures in monitoring/README.md), then tuned on and learned
from like the others. What the classifier does on text it has not seen is measured by
``bench/monitoring_first_look.py``, not here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harbour.monitoring import CATEGORIES, Classifier
from harbour.monitoring.evaluate import parse_examples, score
from harbour.monitoring.lexicon import load_default
from tests.monitoring.conftest import DATA

# The shared folder sits beside the repository, on developer machines and in CI alike.
DEV = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "monitoring_dev.jsonl"
HELDOUT = DATA / "heldout.jsonl"
OWN = sorted(DATA.glob("*.jsonl"))


def test_heldout_file_is_large_and_covers_every_category() -> None:
    lines = [json.loads(line) for line in HELDOUT.read_text("utf-8").splitlines()]
    assert len(lines) >= 250
    assert {line["category"] for line in lines} == {*CATEGORIES, "none"}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(DEV, marks=pytest.mark.skipif(not DEV.exists(), reason="no shared dev file")),
        *OWN,
    ],
    ids=["dev", *(path.stem for path in OWN)],
)
def test_classifier_meets_the_safeguarding_figures(classifier: Classifier, path: Path) -> None:
    examples = parse_examples(path.read_text("utf-8").splitlines(), str(path))
    scores = score(examples, classifier.classify)
    assert scores.urgent_recall >= 0.95
    assert scores.urgent_recall_in_category >= 0.95
    assert scores.false_alarm_rate <= 0.05
    assert scores.macro_precision >= 0.85


@pytest.mark.skipif(not DEV.exists(), reason="no shared dev file")
def test_hand_written_lexicons_alone_meet_the_figures_on_the_dev_file() -> None:
    examples = parse_examples(DEV.read_text("utf-8").splitlines(), str(DEV))
    scores = score(examples, Classifier(load_default()).classify)
    assert scores.urgent_recall >= 0.95
    assert scores.false_alarm_rate <= 0.05
    assert scores.macro_precision >= 0.85
