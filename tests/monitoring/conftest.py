"""Shared fixtures for the monitoring engine tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from harbour.monitoring import Classifier

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    """The shipped classifier, built once (building the automata takes a moment)."""
    return Classifier.default()


def categories(classifier: Classifier, text: str) -> list[tuple[str, int]]:
    """(category, severity) of every risk in ``text``, strongest first."""
    return [(r.category, r.severity) for r in classifier.classify(text)]
