"""How the monitoring classifier does on text it has never seen: each round, at its first look.

    .venv/bin/python bench/monitoring_first_look.py            # rounds 32 onwards
    .venv/bin/python bench/monitoring_first_look.py --since 40

Every labelled round in ``tests/monitoring/data`` was written by someone who had not seen the
classifier, measured once, and only then used to tune it. Figures measured on those files
today are flattered by that tuning. This measurement recovers the honest ones from git
history: for each round file it checks out the parent of the commit that added the file, runs
that commit's ``harbour monitor classify`` on it (the first look) and scores the answers.

It also shows what today's learned stage makes of each first look: that commit's hand
lexicons alone (its learned weights, if it had any, left out) amended, exactly as the
classifier does, by a model trained now on every labelled file *except that round's* (all its
a/b/c variants). That is leave-one-round-out cross-validation of the learned stage on top of
the lexicons as they were. Needs git history (a full clone) and scikit-learn
(``pip install harbour[train]``).

With ``--semantic`` it also replays the optional semantic stage after that, its weights trained
the same way without the round (embedding every labelled text first takes a few minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

from harbour.monitoring.classifier import Classifier, Risk, with_learned
from harbour.monitoring.evaluate import Example, Scores, parse_examples, score
from harbour.monitoring.lexicon import load_default
from harbour.monitoring.training import train
from harbour.paths import DATA_ENV

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "monitoring" / "data"
ROUND = re.compile(r"round(\d+)")


def git(*args: str) -> str:
    """Output of a git command in the repository."""
    return subprocess.run(
        ["git", *args], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout.strip()


# Runs in a past commit's tree: its hand lexicons alone, for commits that shipped weights.
HAND_ONLY = """
import json, sys
from harbour.monitoring.classifier import Classifier
classifier = Classifier.default()
for line in sys.stdin:
    risks = classifier.classify(json.loads(line)["text"], learned=False)
    print(json.dumps({"risks": [vars(r) for r in risks]}))
"""


class Look(NamedTuple):
    """A file's first look: the answers as given then, and the hand lexicons' alone."""

    answers: list[list[Risk]]
    hand: list[list[Risk]]
    had_learned: bool


def first_look(path: Path, scratch: Path) -> Look | None:
    """The risks the classifier found in ``path`` before the file was committed.

    None if git has no parent commit for the file (it arrived in the first commit, or history
    is shallow).
    """
    added = git("log", "--diff-filter=A", "--format=%H", "--", str(path.relative_to(REPO)))
    if not added:
        return None
    commit = added.splitlines()[-1]
    tree = scratch / commit[:12]
    if not tree.exists():
        try:
            git("worktree", "add", "--detach", str(tree), f"{commit}^")
        except subprocess.CalledProcessError:
            return None
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), DATA_ENV: str(scratch / "data")}

    def run(*command: str) -> list[list[Risk]]:
        result = subprocess.run(
            [sys.executable, *command],
            cwd=tree,
            env=env,
            input=path.read_text("utf-8"),
            capture_output=True,
            text=True,
            check=True,
        )
        return [
            [
                Risk(r["category"], r["severity"], r["evidence"], "first-look", "")
                for r in obj["risks"]
            ]
            for obj in map(json.loads, result.stdout.splitlines())
        ]

    answers = run("-m", "harbour", "monitor", "classify")
    if not (tree / "src/harbour/monitoring/learned_weights.tsv").exists():
        return Look(answers, answers, False)
    return Look(answers, run("-c", HAND_ONLY), True)


def replay(examples: list[Example], answers: list[list[Risk]]) -> Scores:
    """Score recorded answers, in the order of ``examples``."""
    recorded = iter(answers)
    return score(examples, lambda _text: next(recorded))


def line(name: str, scores: Scores) -> str:
    """One row of the table: recall at severity 4+, false alarms, macro precision."""
    return (
        f"{scores.urgent_recall:6.3f} ({scores.urgent_found:4d}/{scores.urgent:4d}) "
        f"{scores.false_alarm_rate:6.3f} ({scores.false_alarms:3d}/{scores.benign:4d}) "
        f"{scores.macro_precision:6.3f}  {name}"
    )


SEMANTIC_TOTAL = "every round: first look (hand, if weights shipped) + learned + semantic"


class Semantic:
    """The semantic stage replayed leave-one-round-out over every labelled text's embedding."""

    def __init__(self, files: dict[Path, list[Example]], group: dict[Path, str]) -> None:
        from harbour.monitoring.semantic import encode_all

        self.files = files
        self.group = group
        self.stages: dict[str, Any] = {}
        texts = sorted({e.text for examples in files.values() for e in examples})
        self.vectors = dict(zip(texts, encode_all(texts), strict=True))

    def replay(
        self, group: str, examples: list[Example], answers: list[list[Risk]], lexicons: Classifier
    ) -> list[list[Risk]]:
        """``answers`` for ``examples`` amended by a semantic stage trained without ``group``."""
        import numpy as np

        from harbour.monitoring.semantic import SemanticStage, amend
        from harbour.monitoring.training import train_semantic

        if group not in self.stages:
            training = [e for p, ex in self.files.items() if self.group[p] != group for e in ex]
            vectors = self.vectors
            model = train_semantic(training, lambda texts: np.stack([vectors[t] for t in texts]))
            self.stages[group] = SemanticStage(model)
        stage = self.stages[group]
        return [
            amend(
                a,
                e.text,
                not a and lexicons.has_benign_idiom(lexicons.normal_form(e.text)),
                lambda e=e: stage.judge_embedding(self.vectors[e.text]),  # type: ignore[misc]
            )
            for e, a in zip(examples, answers, strict=True)
        ]


def main() -> None:
    """Measure every round from ``--since`` on and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--since", type=int, default=32, help="first round number to measure")
    parser.add_argument(
        "--semantic", action="store_true", help="also replay the semantic stage (l-o-r-o)"
    )
    args = parser.parse_args()

    files = {
        path: parse_examples(path.read_text("utf-8").splitlines(), path.name)
        for path in sorted(DATA.glob("*.jsonl"))
    }
    group = {path: (m.group(1) if (m := ROUND.match(path.stem)) else path.stem) for path in files}
    lexicons = Classifier(load_default())
    normal_form = lexicons.normal_form
    models = {}
    totals: dict[str, tuple[list[Example], list[list[Risk]]]] = {
        "first look": ([], []),
        "first look + learned (leave-one-round-out)": ([], []),
        "rounds with shipped weights: hand first look + learned (l-o-r-o)": ([], []),
    }
    semantic = Semantic(files, group) if args.semantic else None
    if semantic is not None:
        totals[SEMANTIC_TOTAL] = ([], [])
    header = "recall@4+ (found/urgent)   false alarms     macro P  file"
    print(header)
    with tempfile.TemporaryDirectory(prefix="harbour-first-look-") as scratch_dir:
        scratch = Path(scratch_dir)
        try:
            for path, examples in files.items():
                if not path.stem.startswith("round") or int(group[path]) < args.since:
                    continue
                looked = first_look(path, scratch)
                if looked is None:
                    continue
                print(line(path.stem, replay(examples, looked.answers)))
                totals["first look"][0].extend(examples)
                totals["first look"][1].extend(looked.answers)
                if looked.had_learned:
                    print(line(f"{path.stem} hand lexicons", replay(examples, looked.hand)))
                if group[path] not in models:
                    training = [e for p, ex in files.items() if group[p] != group[path] for e in ex]
                    models[group[path]] = train(training, normal_form)
                model = models[group[path]]
                amended = [
                    with_learned(model, e.text, normal_form(e.text), a, lexicons.has_benign_idiom)
                    for e, a in zip(examples, looked.hand, strict=True)
                ]
                print(line(f"{path.stem} + learned", replay(examples, amended)))
                name = "first look + learned (leave-one-round-out)"
                if looked.had_learned:
                    name = "rounds with shipped weights: hand first look + learned (l-o-r-o)"
                totals[name][0].extend(examples)
                totals[name][1].extend(amended)
                if semantic is not None:
                    both = semantic.replay(group[path], examples, amended, lexicons)
                    print(line(f"{path.stem} + learned + semantic", replay(examples, both)))
                    totals[SEMANTIC_TOTAL][0].extend(examples)
                    totals[SEMANTIC_TOTAL][1].extend(both)
        finally:
            for tree in scratch.iterdir():
                if tree.name != "data":
                    git("worktree", "remove", "--force", str(tree))
    print("\npooled")
    for name, (examples, answers) in totals.items():
        print(line(name, replay(examples, answers)))


if __name__ == "__main__":
    main()
