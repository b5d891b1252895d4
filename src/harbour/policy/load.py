"""Read a policy file, validate it whole, and report every problem with its line."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from harbour.policy.locate import KeyLines
from harbour.policy.model import Policy
from harbour.policy.references import check_references

_ACTIVITY_KEYS = {"title", "lists"}
_TOML_POS = re.compile(r"\(at line (\d+), column \d+\)")


@dataclass(frozen=True)
class Problem:
    """One mistake in a policy file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PolicyError(Exception):
    """A policy file with one or more problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _lift_activity_levels(raw: dict[str, Any]) -> dict[tuple[str | int, ...], tuple[str | int, ...]]:
    """Move each activity's group columns under ``levels``; return the path rewrites."""
    rewrites: dict[tuple[str | int, ...], tuple[str | int, ...]] = {}
    activities = raw.get("activities")
    if not isinstance(activities, dict):
        return rewrites
    for name, row in activities.items():
        if not isinstance(row, dict) or "levels" in row:
            continue
        levels = {k: row.pop(k) for k in list(row) if k not in _ACTIVITY_KEYS}
        row["levels"] = {k: ({"level": v} if isinstance(v, str) else v) for k, v in levels.items()}
        for key in levels:
            rewrites[("activities", name, "levels", key)] = ("activities", name, key)
    return rewrites


def _file_path(path: tuple[str | int, ...], rewrites: dict[tuple[str | int, ...], tuple[str | int, ...]]) -> tuple[str | int, ...]:
    for end in range(len(path), 0, -1):
        target = rewrites.get(tuple(path[:end]))
        if target is not None:
            rest = path[end:]
            # A plain-string cell was wrapped as {level = ...}; its line is the cell's.
            if rest[:1] == ("level",):
                rest = rest[1:]
            return (*target, *rest)
    return path


def _describe(error: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown key {loc!r}"
    if kind == "missing":
        return f"missing required key {loc!r}"
    if kind in ("literal_error", "enum"):
        expected = error.get("ctx", {}).get("expected", "")
        options = re.findall(r"'([^']+)'", expected)
        close = get_close_matches(str(error["input"]), options, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{loc}: {error['input']!r} is not allowed{hint}; expected {expected}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{loc}: {message}"


def load_policy_text(text: str, filename: str = "<policy>") -> Policy:
    """Validate policy TOML text; raise :class:`PolicyError` listing every problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_POS.search(str(exc))
        line = int(found.group(1)) if found else 1
        raise PolicyError([Problem(filename, line, f"not valid TOML: {_TOML_POS.sub('', str(exc)).strip()}")]) from None
    lines = KeyLines(text)
    rewrites = _lift_activity_levels(raw)
    located: list[tuple[int, str]] = []
    policy: Policy | None = None
    try:
        policy = Policy.model_validate({**raw, "version": _version(text)})
    except ValidationError as exc:
        for error in exc.errors():
            path = _file_path(tuple(error["loc"]), rewrites)
            located.append((lines.line_of(path), _describe({**error, "loc": path})))
    for path, message in check_references(raw):
        located.append((lines.line_of(_file_path(path, rewrites)), message))
    if located:
        unique = sorted(set(located))
        raise PolicyError([Problem(filename, line, message) for line, message in unique])
    assert policy is not None
    return policy


def _version(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def load_policy(path: str | Path) -> Policy:
    """Load and validate a policy file from disk."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError([Problem(str(path), 0, f"cannot read the policy file: {exc.strerror}")]) from None
    except UnicodeDecodeError:
        raise PolicyError([Problem(str(path), 0, "the policy file is not UTF-8 text")]) from None
    return load_policy_text(text, str(path))
