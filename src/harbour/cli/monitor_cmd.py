"""``harbour monitor classify|eval``: run the safeguarding classifier on text."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harbour.monitoring import semantic
from harbour.monitoring.classifier import Classifier
from harbour.monitoring.evaluate import EvalError, Example, parse_examples, report, score
from harbour.monitoring.learned import shipped_path
from harbour.monitoring.lexicon import load_default
from harbour.monitoring.semantic import TwoStageClassifier
from harbour.paths import policy_snapshot_path
from harbour.policy import PolicyError, load_policy
from harbour.policy.snapshot import read_snapshot

SEMANTIC_HELP = (
    "also run the optional meaning-based second stage on texts the lexicon found nothing in "
    "(needs pip install harbour[semantic]; about 30 texts a second)"
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``monitor`` command group."""
    monitor = sub.add_parser("monitor", help="classify text for safeguarding risks")
    actions = monitor.add_subparsers(dest="monitor_command", metavar="ACTION", required=True)

    classify = actions.add_parser(
        "classify", help="read JSON lines with a 'text' field on stdin; add 'risks' to each"
    )
    classify.add_argument(
        "--policy",
        metavar="FILE",
        help="take ignore_terms and extra_terms from this policy file "
        "(default: the active policy snapshot, if there is one)",
    )
    classify.add_argument("--semantic", action="store_true", help=SEMANTIC_HELP)
    classify.set_defaults(func=_classify)

    evaluate = actions.add_parser("eval", help="precision and recall on a labelled JSON-lines file")
    evaluate.add_argument("file")
    evaluate.add_argument("--misses", action="store_true", help="also list each wrong text")
    evaluate.add_argument("--semantic", action="store_true", help=SEMANTIC_HELP)
    evaluate.add_argument(
        "--hand-only",
        action="store_true",
        help="leave out the learned word weights: the hand-written lexicons alone",
    )
    evaluate.set_defaults(func=_eval)

    train = actions.add_parser(
        "train",
        help="learn the word weights from labelled JSON-lines files (needs harbour[train])",
    )
    train.add_argument("files", nargs="+", metavar="FILE")
    train.add_argument(
        "--semantic",
        action="store_true",
        help="train the semantic stage's weights instead (needs harbour[semantic] too; "
        "embeds every text, a few minutes for ten thousand)",
    )
    train.add_argument(
        "--out",
        help="where to write the model (default: the one Harbour ships, in the source tree)",
    )
    train.set_defaults(func=_train)


def _school_classifier(policy_file: str | None) -> Classifier:
    """The default classifier with the school's own terms, from a policy or the snapshot."""
    if policy_file:
        return Classifier.for_policy(load_policy(policy_file))
    if policy_snapshot_path().exists():
        return Classifier.for_policy(read_snapshot(policy_snapshot_path()).policy)
    return Classifier.default()


def _with_semantic(classifier: Classifier, wanted: bool) -> Classifier | TwoStageClassifier:
    """The classifier, followed by the semantic stage if asked for (SystemExit if missing)."""
    if not wanted:
        return classifier
    _require_semantic()
    return TwoStageClassifier(classifier, semantic.SemanticStage())


def _require_semantic() -> None:
    """SystemExit with the install command if the semantic extra is missing."""
    if not semantic.available():
        raise SystemExit(
            "harbour monitor: --semantic needs the extra: pip install harbour[semantic]"
        )


def _classify(args: argparse.Namespace) -> int:
    try:
        classifier = _with_semantic(_school_classifier(args.policy), args.semantic)
    except PolicyError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"harbour monitor classify: {exc}", file=sys.stderr)
        return 2
    bad = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            print(f"stdin:{number}: not valid JSON ({exc.msg}); skipped", file=sys.stderr)
            bad += 1
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            print(
                f"stdin:{number}: expected an object with a string 'text' field; skipped",
                file=sys.stderr,
            )
            bad += 1
            continue
        obj["risks"] = [
            {"category": r.category, "severity": r.severity, "evidence": r.evidence}
            for r in classifier.classify(obj["text"])
        ]
        sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    if bad:
        print(f"harbour monitor classify: {bad} bad line{'s' if bad != 1 else ''}", file=sys.stderr)
        return 1
    return 0


def _read_examples(files: list[str]) -> list[Example]:
    """Every labelled line of ``files``; SystemExit naming the file and line if one is bad."""
    examples: list[Example] = []
    for name in files:
        try:
            examples += parse_examples(Path(name).read_text("utf-8").splitlines(), name)
        except OSError as exc:
            print(f"{name}: {exc.strerror}", file=sys.stderr)
            raise SystemExit(2) from None
        except EvalError as exc:
            print(exc, file=sys.stderr)
            raise SystemExit(2) from None
    return examples


def _eval(args: argparse.Namespace) -> int:
    examples = _read_examples([args.file])
    classifier = Classifier(load_default()) if args.hand_only else Classifier.default()
    scores = score(examples, _with_semantic(classifier, args.semantic).classify)
    print(report(scores))
    if args.misses:
        print("\nwrong or under-graded:")
        for example, risks in scores.misses:
            got = ", ".join(f"{r.category}/{r.severity} {r.evidence!r}" for r in risks) or "none"
            print(f"  {example.category}/{example.severity}: {example.text!r} -> {got}")
    return 0


def _train(args: argparse.Namespace) -> int:
    examples = _read_examples(args.files)
    from harbour.monitoring import training

    try:
        if args.semantic:
            _require_semantic()
            model = training.train_semantic(examples, semantic.encode_all)
            default_out = semantic.shipped_path()
        else:
            model = training.train(examples, Classifier(load_default()).normal_form)
            default_out = shipped_path()
    except ImportError:
        raise SystemExit(
            "harbour monitor train: needs the extra: pip install harbour[train]"
        ) from None
    except ValueError as exc:
        raise SystemExit(f"harbour monitor train: {exc}") from None
    # Written beside the target and moved into place, so a failed write keeps the old model.
    out = Path(args.out) if args.out else default_out
    partial = out.with_name(out.name + ".partial")
    try:
        partial.write_text(model.dump(), "utf-8")
        partial.replace(out)
    except OSError as exc:
        print(f"harbour monitor train: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"{len(examples)} texts, {len(model.weights)} weighted features -> {out}")
    return 0
