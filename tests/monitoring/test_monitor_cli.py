"""``harbour monitor classify|eval`` run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harbour.monitoring.learned import parse
from harbour.monitoring.semantic import SemanticStage, available
from tests.monitoring.conftest import DATA


def harbour(*args: str, stdin: str = "", data: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if data is not None:
        env["HARBOUR_DATA_DIR"] = str(data)
    return subprocess.run(
        [sys.executable, "-m", "harbour.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_classify_adds_risks_to_every_good_line_and_names_bad_lines(tmp_path: Path) -> None:
    stdin = "\n".join(
        [
            json.dumps({"text": "i wanna kms", "user": "p1"}),
            "{not json",
            json.dumps({"text": "how to draw a cat"}),
            json.dumps({"txt": "no text field"}),
            json.dumps({"text": "chcę się zabić"}, ensure_ascii=False),
        ]
    )
    result = harbour("monitor", "classify", stdin=stdin, data=tmp_path)
    assert result.returncode == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[0] == {
        "text": "i wanna kms",
        "user": "p1",
        "risks": [{"category": "suicide", "severity": 5, "evidence": "kms"}],
    }
    assert out[1]["risks"] == []
    assert out[2]["risks"][0]["evidence"] == "się zabić"
    assert "stdin:2: not valid JSON" in result.stderr
    assert "stdin:4: expected an object with a string 'text' field" in result.stderr


def test_classify_applies_the_policys_school_terms(tmp_path: Path) -> None:
    policy = Path(__file__).parents[2] / "examples" / "policy.toml"
    text = policy.read_text("utf-8").replace(
        'ignore_terms = ["oakbridge"]',
        'ignore_terms = ["oakbridge", "thinspo"]\nextra_terms = { drugs = ["wizzle"] }',
    )
    school = tmp_path / "policy.toml"
    school.write_text(text, "utf-8")
    stdin = json.dumps({"text": "wizzle"}) + "\n" + json.dumps({"text": "thinspo"}) + "\n"
    result = harbour("monitor", "classify", "--policy", str(school), stdin=stdin, data=tmp_path)
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line)["risks"] for line in result.stdout.splitlines())
    assert [r["category"] for r in first] == ["drugs"]
    assert second == []


def test_eval_prints_the_figures(tmp_path: Path) -> None:
    result = harbour("monitor", "eval", str(DATA / "heldout.jsonl"), data=tmp_path)
    assert result.returncode == 0, result.stderr
    for label in ("precision", "recall", "recall at severity >= 4", "false-alarm rate on none"):
        assert label in result.stdout
    assert "macro precision" in result.stdout
    assert "suicide" in result.stdout and "grooming" in result.stdout


def test_eval_refuses_a_malformed_file_naming_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps({"text": "ok", "category": "none", "severity": 0})
        + "\n"
        + json.dumps({"text": "x", "category": "violence", "severity": "high"})
        + "\n",
        "utf-8",
    )
    result = harbour("monitor", "eval", str(bad), data=tmp_path)
    assert result.returncode == 2
    assert f"{bad}:2: field 'severity' must be an integer 0-5" in result.stderr
    assert result.stdout == ""


def test_eval_can_leave_out_the_learned_weights(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"text": "i wanna kms", "category": "suicide", "severity": 5}))
    result = harbour("monitor", "eval", "--hand-only", str(path), data=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "recall at severity >= 4       1.000  (1/1)" in result.stdout


def test_train_writes_a_model_the_classifier_can_read(tmp_path: Path) -> None:
    out = tmp_path / "weights.tsv"
    result = harbour("monitor", "train", str(DATA / "heldout.jsonl"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    model = parse(out.read_text("utf-8"), str(out))
    assert "none" in model.classes and "suicide+" in model.classes
    assert model.judge("i want to kill myself tonight").category == "suicide"
    assert model.judge("i want to kill myself tonight").p_urgent > 0.5
    assert f"-> {out}" in result.stdout


@pytest.mark.skipif(not available(), reason="semantic extra not installed")
def test_train_semantic_writes_weights_the_semantic_stage_can_read(tmp_path: Path) -> None:
    out = tmp_path / "semantic.tsv"
    result = harbour(
        "monitor", "train", "--semantic", str(DATA / "heldout.jsonl"), "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    stage = SemanticStage(parse(out.read_text("utf-8"), str(out)))
    judgement = stage.judge("i want to kill myself tonight")
    assert judgement.category == "suicide" and judgement.p_urgent > 0.5
    assert "384 weighted features" in result.stdout


def test_train_refuses_a_malformed_file_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "x", "category": "sadness", "severity": 3}) + "\n")
    out = tmp_path / "weights.tsv"
    result = harbour("monitor", "train", str(bad), "--out", str(out))
    assert result.returncode == 2
    assert f"{bad}:1: field 'category' must be one of" in result.stderr
    assert not out.exists()


def test_train_names_an_output_it_cannot_write(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "weights.tsv"
    result = harbour("monitor", "train", str(DATA / "heldout.jsonl"), "--out", str(out))
    assert result.returncode == 2
    assert f"harbour monitor train: cannot write {out}: No such file or directory" in result.stderr
    assert "Traceback" not in result.stderr
