"""Search terms carried by search-engine and video-site URLs (DfE: log the search term)."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qs

from harbour.filtering.urlnorm import NormalURL

# (domain suffix, path prefixes of the results page, query parameter holding the terms)
_ENGINES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("search.yahoo.com", ("/search",), "p"),
    ("youtube.com", ("/results",), "search_query"),
    ("duckduckgo.com", ("/", "/html", "/lite"), "q"),
    ("bing.com", ("/search", "/images/search", "/videos/search", "/news/search"), "q"),
    ("ecosia.org", ("/search", "/images", "/videos", "/news"), "q"),
)


_GOOGLE_PATHS: tuple[str, ...] = ("/search", "/webhp", "/images", "/complete/search")


def _is_google(host: str) -> bool:
    labels = host.split(".")
    # google.com, www.google.co.uk, google.de: "google" followed by a public suffix of 1-2 labels
    return "google" in labels and len(labels) - labels.index("google") in (2, 3)


# Every engine's host names contain one of these: one search rules out any other host.
_NAMES = re.compile("google|yahoo|youtube|duckduckgo|bing|ecosia")


def _pages_of(host: str) -> tuple[tuple[tuple[str, ...], str], ...]:
    """(results-page path prefixes, query parameter) of the engines serving ``host``."""
    if _NAMES.search(host) is None:
        return ()  # almost every host: cheaper than the cache below
    return _engine_pages(host)


@lru_cache(maxsize=4096)
def _engine_pages(host: str) -> tuple[tuple[tuple[str, ...], str], ...]:
    found = [(_GOOGLE_PATHS, "q")] if _is_google(host) else []
    found += [
        (paths, name)
        for suffix, paths, name in _ENGINES
        if host == suffix or host.endswith("." + suffix)
    ][:1]
    return tuple(found)


def is_search_host(host: str) -> bool:
    """Whether ``host`` (normalised) belongs to a search engine or video site whose URLs can
    carry search terms: for any other host :func:`search_terms` is always empty."""
    return bool(_pages_of(host))


def search_terms(url: NormalURL) -> list[str]:
    """The search terms in ``url`` (Google, Bing, DuckDuckGo, Yahoo, Ecosia, YouTube), or []."""
    if not url.query:
        return []
    param = None
    for paths, name in _pages_of(url.host):
        if url.path.startswith(paths):
            param = name  # the later (more specific) engine wins, as it always has
    if param is None:
        return []
    values = parse_qs(url.query, keep_blank_values=False).get(param, [])
    return [" ".join(v.split()) for v in values if v.strip()]
