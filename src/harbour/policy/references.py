"""Checks between tables of a policy file: every name used is defined, every cell resolves.

Works on the raw (already level-lifted) dictionary so that it still reports dangling
references when the structure has other mistakes too.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from difflib import get_close_matches
from importlib import resources
from typing import Any

from harbour.policy.model import ALL_SELECTOR, PUPILS_SELECTOR, Level
from harbour.policy.windows import Span, WindowSyntaxError, parse_span

Path = tuple[str | int, ...]
Found = Iterator[tuple[Path, str]]


def ut1_categories() -> frozenset[str]:
    """Category names of the UT1 collection, which a policy may use before lists are imported."""
    text = resources.files("harbour.policy").joinpath("ut1_categories.txt").read_text()
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def _hint(name: str, known: set[str] | frozenset[str]) -> str:
    close = get_close_matches(name, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _table(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def check_references(raw: dict[str, Any]) -> list[tuple[Path, str]]:
    """Every cross-reference problem in ``raw`` as ``(key path, message)``."""
    return [
        *_check_times(raw),
        *_check_groups(raw),
        *_check_activities(raw),
        *_check_filtering(raw),
        *_check_acceptable_use(raw),
    ]


def _check_times(raw: dict[str, Any]) -> Found:
    for name, spans in _table(raw, "times").items():
        if not isinstance(spans, list) or not spans:
            yield ("times", name), f"time window {name!r} needs a list of spans like 'Mon-Fri 12:00-13:00'"
            continue
        parsed: list[tuple[int, Span]] = []
        for index, text in enumerate(spans):
            if not isinstance(text, str):
                continue
            try:
                parsed.append((index, parse_span(text)))
            except WindowSyntaxError as exc:
                yield ("times", name, index), f"time window {name!r}: {exc}"
        for i, (_, first) in enumerate(parsed):
            for index, second in parsed[i + 1 :]:
                if first.overlaps(second):
                    yield (
                        ("times", name, index),
                        f"time window {name!r}: {second.describe()} overlaps {first.describe()}",
                    )


def _check_groups(raw: dict[str, Any]) -> Found:
    groups = _table(raw, "groups")
    for reserved in (ALL_SELECTOR, PUPILS_SELECTOR):
        if reserved in groups:
            yield ("groups", reserved), f"{reserved!r} is reserved for activity rows; choose another group name"
    seen_years: dict[int, str] = {}
    for name, group in groups.items():
        if not isinstance(group, dict) or group.get("nominated") or group.get("kind") != "pupil":
            continue
        for year in _strings_or_ints(group.get("years")):
            if year in seen_years:
                yield ("groups", name, "years"), (
                    f"group {name!r}: year {year} is already in group {seen_years[year]!r}; "
                    "a pupil's year must decide one group"
                )
            else:
                seen_years[year] = name


def _strings_or_ints(value: Any) -> list[int]:
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []


def known_lists(raw: dict[str, Any]) -> set[str]:
    """List names a policy may refer to: UT1 categories, its local lists and locked feeds."""
    locked = _strings(_table(raw, "locked").get("lists"))
    return set(ut1_categories()) | set(_table(raw, "local_lists")) | set(locked)


def _check_activities(raw: dict[str, Any]) -> Found:
    groups = _table(raw, "groups")
    windows = set(_table(raw, "times"))
    lists = known_lists(raw)
    locked = set(_strings(_table(raw, "locked").get("lists")))
    selectors = set(groups) | {ALL_SELECTOR, PUPILS_SELECTOR}
    pupil_groups = {n for n, g in groups.items() if isinstance(g, dict) and g.get("kind") == "pupil"}
    for name, row in _table(raw, "activities").items():
        if not isinstance(row, dict):
            continue
        for index, list_name in enumerate(_strings(row.get("lists"))):
            if list_name not in lists:
                yield ("activities", name, "lists", index), (
                    f"activity {name!r}: unknown list {list_name!r}{_hint(list_name, lists)}"
                )
        levels = _table(row, "levels")
        for selector, cell in levels.items():
            where: Path = ("activities", name, "levels", selector)
            if selector not in selectors:
                yield where, f"activity {name!r}: unknown group {selector!r}{_hint(selector, selectors)}"
            if not isinstance(cell, dict):
                continue
            for index, window in enumerate(_strings(cell.get("times"))):
                if window not in windows:
                    yield (*where, "times", index), (
                        f"activity {name!r}: unknown time window {window!r}{_hint(window, windows)}"
                    )
            for index, member in enumerate(_strings(cell.get("users"))):
                if member not in groups:
                    yield (*where, "users", index), (
                        f"activity {name!r}: unknown nominated group {member!r}{_hint(member, set(groups))}"
                    )
            if locked & set(_strings(row.get("lists"))) and cell.get("level") != Level.UNACCEPTABLE_ILLEGAL:
                yield where, f"activity {name!r} uses a locked list, so every cell must be 'unacceptable-illegal'"
        if ALL_SELECTOR not in levels:
            covered = set(levels) | (pupil_groups if PUPILS_SELECTOR in levels else set())
            missing = [g for g in groups if g not in covered]
            if missing:
                yield ("activities", name), (
                    f"activity {name!r} gives no level for {', '.join(missing)}; add them or 'all'"
                )


def _check_filtering(raw: dict[str, Any]) -> Found:
    groups = set(_table(raw, "groups"))
    filtering = _table(raw, "filtering")
    for group in _table(filtering, "safe_search"):
        if group not in groups:
            yield ("filtering", "safe_search", group), f"safe_search: unknown group {group!r}{_hint(group, groups)}"
    for key in ("no_aup_group", "unknown_clients_group"):
        named = filtering.get(key)
        if isinstance(named, str) and named not in groups:
            yield ("filtering", key), f"{key}: unknown group {named!r}{_hint(named, groups)}"
    networks = filtering.get("networks")
    for index, network in enumerate(networks if isinstance(networks, list) else []):
        if not isinstance(network, dict):
            continue
        target = network.get("group")
        if isinstance(target, str) and target not in groups:
            yield ("filtering", "networks", index, "group"), f"network: unknown group {target!r}{_hint(target, groups)}"
        cidr = network.get("cidr")
        if isinstance(cidr, str):
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                yield ("filtering", "networks", index, "cidr"), f"network: {cidr!r} is not an address range"


def _check_acceptable_use(raw: dict[str, Any]) -> Found:
    groups = set(_table(raw, "groups"))
    for name, aup in _table(raw, "acceptable_use").items():
        if not isinstance(aup, dict):
            continue
        for index, group in enumerate(_strings(aup.get("groups"))):
            if group not in groups:
                yield ("acceptable_use", name, "groups", index), (
                    f"acceptable use {name!r}: unknown group {group!r}{_hint(group, groups)}"
                )
