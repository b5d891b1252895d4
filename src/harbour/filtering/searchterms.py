"""Search terms carried by search-engine and video-site URLs (DfE: log the search term)."""

from __future__ import annotations

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


def _is_google(host: str) -> bool:
    labels = host.split(".")
    # google.com, www.google.co.uk, google.de: "google" followed by a public suffix of 1-2 labels
    return "google" in labels and len(labels) - labels.index("google") in (2, 3)


def search_terms(url: NormalURL) -> list[str]:
    """The search terms in ``url`` (Google, Bing, DuckDuckGo, Yahoo, Ecosia, YouTube), or []."""
    if not url.query:
        return []
    host = url.host
    param = None
    if _is_google(host) and url.path.startswith(
        ("/search", "/webhp", "/images", "/complete/search")
    ):
        param = "q"
    for suffix, paths, name in _ENGINES:
        if (host == suffix or host.endswith("." + suffix)) and url.path.startswith(paths):
            param = name
            break
    if param is None:
        return []
    values = parse_qs(url.query, keep_blank_values=False).get(param, [])
    return [" ".join(v.split()) for v in values if v.strip()]
