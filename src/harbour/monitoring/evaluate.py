"""Scoring the classifier against labelled texts (``text``, ``category``, ``severity`` lines).

How a prediction counts:

* The *predicted category* of a text is the category of its strongest risk (the first in the
  list :meth:`Classifier.classify` returns), or ``none`` when there is no risk.
* Per-category precision and recall compare predicted and expected categories. Precision of a
  category no text was predicted as is undefined and left out of the macro average.
* *Recall at severity ≥ 4*: of the texts labelled 4 or 5, the share for which the classifier
  raised a risk of severity ≥ 4 — that is, the DSL would be emailed at once. The stricter
  figure also requires that risk to be in the expected category.
* *False-alarm rate*: of the texts labelled ``none``, the share with any risk at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from harbour.monitoring.classifier import Risk
from harbour.monitoring.lexicon import CATEGORIES

URGENT = 4


class EvalError(ValueError):
    """A malformed evaluation line; the message names the file and line."""


@dataclass(frozen=True)
class Example:
    """One labelled text."""

    text: str
    category: str
    severity: int


@dataclass
class Scores:
    """Counts and figures from one evaluation run."""

    total: int = 0
    expected: dict[str, int] = field(default_factory=dict)
    predicted: dict[str, int] = field(default_factory=dict)
    correct: dict[str, int] = field(default_factory=dict)
    urgent: int = 0
    urgent_found: int = 0
    urgent_found_in_category: int = 0
    benign: int = 0
    false_alarms: int = 0
    misses: list[tuple[Example, list[Risk]]] = field(default_factory=list)

    def precision(self, category: str) -> float | None:
        """Share of texts predicted as ``category`` that were labelled so."""
        predicted = self.predicted.get(category, 0)
        return self.correct.get(category, 0) / predicted if predicted else None

    def recall(self, category: str) -> float | None:
        """Share of texts labelled ``category`` that were predicted so."""
        expected = self.expected.get(category, 0)
        return self.correct.get(category, 0) / expected if expected else None

    @property
    def macro_precision(self) -> float:
        """Mean precision over the risk categories that were predicted at least once."""
        values = [p for c in CATEGORIES if (p := self.precision(c)) is not None]
        return sum(values) / len(values) if values else 0.0

    @property
    def urgent_recall(self) -> float:
        """Share of severity ≥ 4 texts given a severity ≥ 4 risk."""
        return self.urgent_found / self.urgent if self.urgent else 1.0

    @property
    def urgent_recall_in_category(self) -> float:
        """As :attr:`urgent_recall`, with the risk in the expected category."""
        return self.urgent_found_in_category / self.urgent if self.urgent else 1.0

    @property
    def false_alarm_rate(self) -> float:
        """Share of ``none`` texts given any risk."""
        return self.false_alarms / self.benign if self.benign else 0.0


def parse_examples(lines: Iterable[str], source: str) -> list[Example]:
    """Parse JSON lines; raise :class:`EvalError` naming ``source:line`` and the field."""
    examples = []
    allowed = set(CATEGORIES) | {"none"}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalError(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise EvalError(f"{where}: expected a JSON object")
        text, category, severity = obj.get("text"), obj.get("category"), obj.get("severity")
        if not isinstance(text, str):
            raise EvalError(f"{where}: field 'text' must be a string")
        if category not in allowed:
            raise EvalError(f"{where}: field 'category' must be one of {sorted(allowed)}")
        if isinstance(severity, bool) or not isinstance(severity, int) or not 0 <= severity <= 5:
            raise EvalError(f"{where}: field 'severity' must be an integer 0-5")
        if (category == "none") != (severity == 0):
            raise EvalError(f"{where}: severity 0 goes with category 'none' and only with it")
        examples.append(Example(text, category, severity))
    return examples


def score(examples: Iterable[Example], classify: Callable[[str], list[Risk]]) -> Scores:
    """Run ``classify`` on every example and count the outcomes."""
    scores = Scores()
    for example in examples:
        risks = classify(example.text)
        predicted = risks[0].category if risks else "none"
        scores.total += 1
        scores.expected[example.category] = scores.expected.get(example.category, 0) + 1
        scores.predicted[predicted] = scores.predicted.get(predicted, 0) + 1
        if predicted == example.category:
            scores.correct[predicted] = scores.correct.get(predicted, 0) + 1
        if example.category == "none":
            scores.benign += 1
            scores.false_alarms += bool(risks)
        if example.severity >= URGENT:
            scores.urgent += 1
            scores.urgent_found += any(r.severity >= URGENT for r in risks)
            scores.urgent_found_in_category += any(
                r.severity >= URGENT and r.category == example.category for r in risks
            )
        missed = predicted != example.category or (
            example.severity >= URGENT and not any(r.severity >= URGENT for r in risks)
        )
        if missed:
            scores.misses.append((example, risks))
    return scores


def report(scores: Scores) -> str:
    """The figures as a plain-text table."""

    def pct(value: float | None) -> str:
        return "   -  " if value is None else f"{value:6.3f}"

    lines = [f"{'category':16}{'n':>5} {'precision':>9} {'recall':>7}"]
    for category in (*CATEGORIES, "none"):
        n = scores.expected.get(category, 0)
        lines.append(
            f"{category:16}{n:5d}    {pct(scores.precision(category))}  "
            f"{pct(scores.recall(category))}"
        )
    lines += [
        "",
        f"texts                         {scores.total}",
        f"recall at severity >= 4       {scores.urgent_recall:.3f}"
        f"  ({scores.urgent_found}/{scores.urgent})",
        f"  ... in expected category    {scores.urgent_recall_in_category:.3f}"
        f"  ({scores.urgent_found_in_category}/{scores.urgent})",
        f"false-alarm rate on none      {scores.false_alarm_rate:.3f}"
        f"  ({scores.false_alarms}/{scores.benign})",
        f"macro precision               {scores.macro_precision:.3f}",
    ]
    return "\n".join(lines)
