"""Benchmark: throughput of the monitoring classifier's lexicon stage on one core.

    .venv/bin/python bench/bench_classifier.py              # 200,000 texts
    .venv/bin/python bench/bench_classifier.py --texts 50000

Texts are short, like search terms and chat lines: 95% benign lines made of words from the
school policies in ../shared/policies (or the evaluation files when those are absent), 5% the
labelled texts of the dev and held-out files (about half of which carry a risk). The mixed
texts are classified twice: as Harbour classifies them, and by the lexicon stage alone (the
learned weights left out; most of these texts reach the weights, which cost more than the
lexicons). A last run uses only the labelled texts, the worst case, where most texts take the
slow path that builds evidence.

The baseline is what a developer would otherwise write: one ``re`` alternation of the same
lexicon terms, word-bounded, searched in the lower-cased text. It does no normalisation and no
context rules, so it does less work than Harbour; the ratio is Harbour's throughput over it.
Target (issue 5): at least 50,000 texts per second for the lexicon stage.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from harbour.monitoring import Classifier

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
LABELLED = [SHARED / "eval" / "monitoring_dev.jsonl", REPO / "tests/monitoring/data/heldout.jsonl"]


def labelled_texts() -> list[str]:
    """Texts of the labelled evaluation files."""
    texts = []
    for path in LABELLED:
        if path.exists():
            texts += [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines()]
    return texts


def vocabulary(fallback: list[str]) -> list[str]:
    """Ordinary words: from the school policies if present, else from the labelled texts."""
    source = SHARED / "policies"
    text = " ".join(p.read_text("utf-8", "ignore") for p in sorted(source.glob("*"))[:5])
    words = re.findall(r"[a-z]{2,12}", (text or " ".join(fallback)).lower())
    return sorted(set(words))


def corpus(count: int, seed: int = 5) -> list[str]:
    """``count`` short texts: 95% random word sequences, 5% labelled texts."""
    rng = random.Random(seed)
    labelled = labelled_texts()
    words = vocabulary(labelled)
    texts = []
    for _ in range(count):
        if rng.random() < 0.05:
            texts.append(rng.choice(labelled))
        else:
            texts.append(" ".join(rng.choices(words, k=rng.randint(2, 8))))
    return texts


def baseline(classifier: Classifier) -> Callable[[str], object]:
    """One word-bounded ``re`` alternation over the classifier's own terms."""
    terms = sorted({t.text.lower() for t in classifier.terms}, key=len, reverse=True)
    alternation = "|".join(re.escape(t) + ("" if t.endswith("*") else r"\b") for t in terms)
    pattern = re.compile(rf"\b(?:{alternation})")
    return lambda text: pattern.search(text.lower())


def rate(function: Callable[[str], object], texts: list[str]) -> float:
    """Texts per CPU-second of this single thread, best of three passes.

    CPU time rather than wall time, so that other work on a shared machine does not count.
    """
    best = float("inf")
    for _ in range(3):
        start = time.thread_time()
        for text in texts:
            function(text)
        best = min(best, time.thread_time() - start)
    return len(texts) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=200_000)
    args = parser.parse_args()

    start = time.perf_counter()
    classifier = Classifier.default()
    built = time.perf_counter() - start
    regex = baseline(classifier)
    print(f"lexicon: {len(classifier.terms)} terms, classifier built in {built:.2f} s")
    print(f"{'texts':38}{'harbour/s':>12}{'re/s':>12}{'ratio':>8}")
    mixed = corpus(args.texts)
    for label, texts, classify in (
        (f"mixed, 5% labelled ({args.texts:,})", mixed, classifier.classify),
        ("  the same, lexicon stage alone", mixed, partial(classifier.classify, learned=False)),
        (
            f"labelled only ({len(labelled_texts())} x repeat)",
            labelled_texts() * 20,
            classifier.classify,
        ),
    ):
        ours, theirs = rate(classify, texts), rate(regex, texts)
        print(f"{label:38}{ours:12,.0f}{theirs:12,.0f}{ours / theirs:8.1f}")
    alerts = sum(1 for text in corpus(args.texts) if classifier.classify(text))
    print(f"alerts in the mixed corpus: {alerts:,} of {args.texts:,}")


if __name__ == "__main__":
    main()
