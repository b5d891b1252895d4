"""Safe search: which host to answer with (DNS) and how to rewrite a URL (proxy)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode

from harbour.filtering.urlnorm import NormalURL

STRICT = "strict"
MODERATE = "moderate"

# Engine -> (domain suffixes it serves from, DNS target per mode, query parameters to force)
_ENGINES: dict[str, tuple[tuple[str, ...], dict[str, str], dict[str, str]]] = {
    "google": (
        (),
        {STRICT: "forcesafesearch.google.com", MODERATE: "forcesafesearch.google.com"},
        {"safe": "active"},
    ),
    "bing": (
        ("bing.com",),
        {STRICT: "strict.bing.com", MODERATE: "strict.bing.com"},
        {"adlt": "strict"},
    ),
    "duckduckgo": (
        ("duckduckgo.com",),
        {STRICT: "safe.duckduckgo.com", MODERATE: "safe.duckduckgo.com"},
        {"kp": "1"},
    ),
    "youtube": (
        (
            "youtube.com",
            "m.youtube.com",
            "youtubei.googleapis.com",
            "youtube.googleapis.com",
            "youtube-nocookie.com",
        ),
        {STRICT: "restrict.youtube.com", MODERATE: "restrictmoderate.youtube.com"},
        {},
    ),
}
_TARGETS = {t for _, targets, _ in _ENGINES.values() for t in targets.values()}


def strictest(modes: Iterable[str]) -> str | None:
    """The strictest of a person's groups' safe-search modes, or None if none applies."""
    found = set(modes)
    return STRICT if STRICT in found else (MODERATE if MODERATE in found else None)


# Every engine's host names contain one of these: one search rules out any other host.
_NAMES = re.compile("google|bing|duckduckgo|youtube")


def engine_of(host: str) -> str | None:
    """Which search engine ``host`` belongs to, if any (the safe-search hosts themselves: none)."""
    if _NAMES.search(host) is None:
        return None  # almost every host: cheaper than the cache below
    return _engine_of(host)


@lru_cache(maxsize=4096)
def _engine_of(host: str) -> str | None:
    if host in _TARGETS:
        return None
    labels = host.split(".")
    if (
        "google" in labels
        and len(labels) - labels.index("google") in (2, 3)
        and labels[0] in ("www", "google")
    ):
        return "google"
    for engine, (suffixes, _, _) in _ENGINES.items():
        if any(host == s or host.endswith("." + s) for s in suffixes):
            return engine
    return None


def safe_host(host: str, mode: str | None) -> str | None:
    """The host a DNS resolver should answer with instead of ``host``, or None."""
    engine = engine_of(host) if mode else None
    return _ENGINES[engine][1][mode] if engine and mode else None


def safe_url(url: NormalURL, mode: str | None) -> str | None:
    """``url`` with the engine's safe-search parameters forced, or None if nothing changes.

    YouTube has no URL parameter; a proxy enforces it with the ``YouTube-Restrict`` header
    or by DNS (:func:`safe_host`).
    """
    engine = engine_of(url.host) if mode else None
    forced = _ENGINES[engine][2] if engine else {}
    if not forced:
        return None
    params = [
        (k, v) for k, v in parse_qsl(url.query or "", keep_blank_values=True) if k not in forced
    ]
    query = urlencode([*params, *forced.items()])
    rewritten = f"{url.scheme}://{url.netloc}{url.path}?{query}"
    return None if rewritten == url.url else rewritten
