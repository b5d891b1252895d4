"""Matching a normalised URL or host against compiled segments.

Three kinds of entry, all reported with the entry that matched:

- domains: the host or any parent domain is listed (``www.example.com`` matches
  ``example.com``); an IP literal matches only itself;
- URLs: a listed ``host/path`` whose host is the request's host or a parent domain of it and
  whose path is a whole-segment prefix of the request's path (``example.com/a`` matches
  ``/a`` and ``/a/b`` but not ``/ab``); an entry with a query must match the query exactly;
- expressions: regular expressions searched in ``host/path?query``, case-insensitively.
  They are compiled on first use and combined into one pattern per category, and a category
  whose expressions all need some literal text (:mod:`harbour.filtering.literals`) is skipped
  unless the URL holds every piece of one of the ways they can match (one Aho-Corasick pass
  finds which literals are there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from harbour.filtering.compiled import Segment, key_hash
from harbour.filtering.literals import Requirement, required_alternatives
from harbour.filtering.urlnorm import NormalURL

# Hosts repeat a lot, and a host missed for one group is often asked for by another soon after:
# the cache holds a busy school's working set of hosts (about 100 bytes each when unlisted).
_HOST_CACHE_SIZE = 32768


@dataclass(frozen=True)
class Match:
    """One list entry that matched: its category, the entry text and the kind of entry."""

    category: str
    entry: str
    kind: str  # "domain" | "url" | "expression"
    locked: bool = False


def host_suffixes(host: str) -> list[str]:
    """The host and each parent domain, most specific first (an IP literal: itself only).

    Hosts are normalised, so an IP literal is IPv6 (has ':') or dotted decimal (ends in a digit;
    a top-level domain never does).
    """
    if ":" in host or host[-1:].isdigit():
        return [host]
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


def path_prefixes(path: str, query: str | None, depth: int | None = None) -> list[str]:
    """URL-entry keys a request path can match: ``/a``, ``/a/b``, ... and ``path?query``;
    prefixes deeper than ``depth`` segments (the deepest entry listed) are left out."""
    parts = [p for p in path.split("/") if p][:depth]
    prefixes = ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]
    if query is not None:
        prefixes.append(f"{path.rstrip('/') or '/'}?{query}")
    return prefixes


class _Expressions:
    """One category's expressions, combined so a URL costs one regex search per category,
    and skipped outright when the URL lacks a piece of every way they can match."""

    def __init__(self, category: str, patterns: list[str], locked: bool) -> None:
        self.category = category
        self.patterns = patterns
        self.locked = locked
        needed = [required_alternatives(p) for p in patterns]
        # Every way any of the patterns could match, each a list of literal sets all needed;
        # None when some pattern must always be searched.
        self.alternatives: list[Requirement] | None = (
            None if any(n is None for n in needed) else [a for n in needed for a in n or ()]
        )
        self.required: frozenset[str] | None = (
            None
            if self.alternatives is None
            else frozenset(lit for alt in self.alternatives for group in alt for lit in group)
        )

    def worth_searching(self, present: set[str]) -> bool:
        """Whether the literals ``present`` in a text complete one of the ways to match."""
        alternatives = self.alternatives
        return alternatives is None or any(
            all(group & present for group in alt) for alt in alternatives
        )

    @cached_property
    def _singles(self) -> list[re.Pattern[str]]:
        return [re.compile(p, re.IGNORECASE) for p in self.patterns]

    @cached_property
    def _combined(self) -> re.Pattern[str] | None:
        try:
            return re.compile("|".join(f"(?:{p})" for p in self.patterns), re.IGNORECASE)
        except re.error:
            return None  # e.g. clashing group names: fall back to one search per pattern

    def search(self, text: str) -> Match | None:
        """The first pattern found in ``text``, as a match."""
        if self._combined is not None and not self._combined.search(text):
            return None
        for pattern, compiled in zip(self.patterns, self._singles, strict=True):
            if compiled.search(text):
                return Match(self.category, pattern, "expression", self.locked)
        return None


class Matcher:
    """Every category matching a URL or host, across a set of segments."""

    def __init__(self, segments: list[Segment]) -> None:
        self.segments = list(segments)
        self._expressions = [
            _Expressions(category, patterns, segment.locked)
            for segment in self.segments
            for category, patterns in segment.expressions.items()
            if patterns
        ]
        self._cache: dict[str, tuple[tuple[Match, ...], tuple[str, ...]]] = {}
        self._literals = _literal_finder(self._expressions)
        # Expressions with no literal to look for first are searched in every URL.
        self._always = [e for e in self._expressions if e.required is None]
        # Empty arrays (a policy without local URL entries, say) need no binary search.
        self._with_domains = [s for s in self.segments if len(s.domain_hashes)]
        self._with_urls = [s for s in self.segments if len(s.url_hosts)]
        depths: list[int | None] = [s.manifest.get("url_depth") for s in self._with_urls]
        known = [d for d in depths if d is not None]
        self._url_depth = max(known, default=0) if len(known) == len(depths) else None

    @cached_property
    def locked_categories(self) -> frozenset[str]:
        """Categories that come from locked feeds."""
        return frozenset(c for s in self.segments if s.locked for c in s.categories)

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Alias category names (``porn``) to the category they stand for (``adult``)."""
        return {a: t for s in self.segments for a, t in s.manifest.get("aliases", {}).items()}

    def match_host(self, host: str) -> list[Match]:
        """Domain entries matching ``host`` (a normalised host): the DNS path."""
        return list(self._host(host)[0])

    def has_url_entries(self, host: str) -> bool:
        """Whether any list has page-level (URL) entries under ``host`` or a parent domain of
        it (a normalised host): only then can the path change which entries match."""
        return bool(self._host(host)[1])

    def _host(self, host: str) -> tuple[tuple[Match, ...], tuple[str, ...]]:
        """Domain matches of ``host`` and its suffixes that have URL entries (cached)."""
        cached = self._cache.get(host)
        if cached is not None:
            return cached
        found: list[Match] = []
        url_hosts: list[str] = []
        for suffix in host_suffixes(host):
            hashed = key_hash(suffix)
            for segment in self._with_domains:
                for category in segment.domain_categories(hashed):
                    found.append(Match(category, suffix, "domain", segment.locked))
            if any(segment.has_url_host(hashed) for segment in self._with_urls):
                url_hosts.append(suffix)
        if len(self._cache) >= _HOST_CACHE_SIZE:
            self._cache.clear()
        result = self._cache[host] = (tuple(found), tuple(url_hosts))
        return result

    def match(self, url: NormalURL) -> list[Match]:
        """Every domain, URL and expression entry matching ``url``."""
        domains, url_hosts = self._host(url.host)
        found = list(domains)
        if url_hosts:
            prefixes = path_prefixes(url.path, url.query, self._url_depth)
            for suffix in url_hosts:
                for prefix in prefixes:
                    key = suffix + prefix
                    for segment in self.segments:
                        found.extend(
                            Match(c, key, "url", segment.locked)
                            for c in segment.url_categories(key)
                        )
        found.extend(self.expression_matches(url.host_path))
        return found

    def expression_matches(self, host_path: str) -> list[Match]:
        """The expression entries found in ``host/path?query`` (one per category at most)."""
        candidates = self._always
        if self._literals is not None:
            present: dict[int, set[str]] = {}
            for _, (literal, indexes) in self._literals.iter(host_path.lower()):
                for index in indexes:
                    present.setdefault(index, set()).add(literal)
            if present:  # rare: most URLs hold none of the literals, and skip this
                candidates = [
                    e
                    for index, e in enumerate(self._expressions)
                    if e.required is None
                    or (index in present and e.worth_searching(present[index]))
                ]
        if not candidates:
            return []
        hits = [e.search(host_path) for e in candidates]
        return [hit for hit in hits if hit is not None]


def _literal_finder(expressions: list[_Expressions]) -> Any:
    """An Aho-Corasick automaton from each needed literal to the expressions needing it: one
    pass over a URL tells which expressions could match it at all."""
    owners: dict[str, list[int]] = {}
    for index, expression in enumerate(expressions):
        for literal in expression.required or ():
            owners.setdefault(literal, []).append(index)
    if not owners:
        return None
    import ahocorasick  # only lists with expressions need it

    automaton = ahocorasick.Automaton()
    for literal, indexes in owners.items():
        automaton.add_word(literal, (literal, tuple(indexes)))
    automaton.make_automaton()
    return automaton
