"""The compiled form of category lists: sorted hash arrays that many processes share by mmap.

A *segment* is one folder holding a whole collection of categories (UT1, or one locked feed):

- ``domains.hash`` — sorted little-endian uint64 hashes of domain names;
- ``domains.set``  — uint32 per hash: which *category set* the domain belongs to;
- ``urls.hash`` / ``urls.set`` — the same for URL entries, keyed by ``host/path``;
- ``urlhosts.hash`` — hashes of the hosts that have URL entries (a cheap pre-check);
- ``manifest.json`` — category names, category sets, usage, counts and expressions.

The arrays are memory-mapped read-only, so eight Squid helpers holding a five-million-domain
list share one copy in the page cache, and opening a segment costs milliseconds. A domain is
found by hashing each suffix of the host and binary-searching. Hashes are 64-bit BLAKE2b: the
chance that an unlisted name collides with one of five million entries is about 3 in 10^13.
"""

from __future__ import annotations

import json
import mmap
import os
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from hashlib import blake2b
from pathlib import Path
from typing import Any, Literal

SEGMENT_FORMAT = 1
_SMALL = 50_000  # entries below which sorting in pure Python is fast enough
_ARRAYS: dict[str, Literal["Q", "I"]] = {
    "domains.hash": "Q",
    "domains.set": "I",
    "urls.hash": "Q",
    "urls.set": "I",
    "urlhosts.hash": "Q",
}


def key_hash(key: str) -> int:
    """The 64-bit hash under which a domain or ``host/path`` key is stored."""
    return int.from_bytes(blake2b(key.encode(), digest_size=8).digest(), "little")


def _find(hashes: Sequence[int], wanted: int) -> int:
    """Index of ``wanted`` in the sorted ``hashes``, or -1."""
    index = bisect_left(hashes, wanted)
    return index if index < len(hashes) and hashes[index] == wanted else -1


@dataclass
class Segment:
    """One compiled collection of categories, in memory or memory-mapped from disk."""

    name: str
    manifest: dict[str, Any]
    domain_hashes: Sequence[int]
    domain_sets: Sequence[int]
    url_hashes: Sequence[int]
    url_sets: Sequence[int]
    url_hosts: Sequence[int]
    _sets: list[tuple[str, ...]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        names = self.manifest["categories"]
        self._sets = [
            tuple(names[i] for i in members) for members in self.manifest["category_sets"]
        ]

    @property
    def locked(self) -> bool:
        """True for a locked feed: its categories can never be allowed."""
        return bool(self.manifest.get("locked"))

    @property
    def categories(self) -> list[str]:
        """The category names this segment holds."""
        return list(self.manifest["categories"])

    @property
    def expressions(self) -> dict[str, list[str]]:
        """Regular expressions per category, as written in the source."""
        return dict(self.manifest.get("expressions", {}))

    def domain_categories(self, hashed: int) -> tuple[str, ...]:
        """Categories listing exactly the domain whose :func:`key_hash` is ``hashed``."""
        index = _find(self.domain_hashes, hashed)
        return self._sets[self.domain_sets[index]] if index >= 0 else ()

    def has_url_host(self, hashed: int) -> bool:
        """Whether any URL entry is for the host hashed as ``hashed`` (so path prefixes are
        worth checking)."""
        return _find(self.url_hosts, hashed) >= 0

    def url_categories(self, key: str) -> tuple[str, ...]:
        """Categories listing exactly the URL key ``host/path``."""
        index = _find(self.url_hashes, key_hash(key))
        return self._sets[self.url_sets[index]] if index >= 0 else ()

    @classmethod
    def open(cls, folder: Path) -> Segment:
        """Memory-map a segment written by :meth:`SegmentBuilder.write`."""
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != SEGMENT_FORMAT:
            raise ValueError(
                f"{folder}: list segment format {manifest.get('format')!r} is not {SEGMENT_FORMAT}"
            )
        views = {name: _map_array(folder / name, code) for name, code in _ARRAYS.items()}
        return cls(
            name=manifest["name"],
            manifest=manifest,
            domain_hashes=views["domains.hash"],
            domain_sets=views["domains.set"],
            url_hashes=views["urls.hash"],
            url_sets=views["urls.set"],
            url_hosts=views["urlhosts.hash"],
        )


def _map_array(path: Path, code: Literal["Q", "I"]) -> Sequence[int]:
    if path.stat().st_size == 0:
        return array(code)
    with open(path, "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    return memoryview(mapped).cast(code)


class SegmentBuilder:
    """Collects entries by category, then writes (or keeps in memory) a sorted segment."""

    def __init__(self, name: str, *, locked: bool = False, source: str = "") -> None:
        self.name = name
        self.locked = locked
        self.source = source
        self.categories: list[str] = []
        self.usage: dict[str, str] = {}
        self.aliases: dict[str, str] = {}
        self.expressions: dict[str, list[str]] = {}
        self._index: dict[str, int] = {}
        self._domains: list[tuple[int, array]] = []
        self._urls: list[tuple[int, array]] = []
        self._url_hosts: set[int] = set()
        self.url_depth = 0  # path segments of the deepest URL entry: deeper prefixes never match
        self.counts: dict[str, dict[str, int]] = {}

    def category(self, name: str, usage: str = "black") -> int:
        """Register a category (idempotent); return its index."""
        if name not in self._index:
            self._index[name] = len(self.categories)
            self.categories.append(name)
            self.usage[name] = usage
            self.counts[name] = {"domains": 0, "urls": 0, "expressions": 0}
        return self._index[name]

    def add_domains(self, category: str, domains: Iterable[str]) -> None:
        """Add normalised domain names to ``category``."""
        hashes = array("Q", (key_hash(d) for d in domains))
        self._domains.append((self.category(category), hashes))
        self.counts[category]["domains"] += len(hashes)

    def add_urls(self, category: str, urls: Iterable[tuple[str, str]]) -> None:
        """Add URL entries as ``(host, path)`` pairs, path without a trailing slash."""
        pairs = list(urls)
        self._url_hosts.update(key_hash(host) for host, _ in pairs)
        self.url_depth = max([self.url_depth, *(p.count("/") for _, p in pairs)])
        self._urls.append(
            (self.category(category), array("Q", (key_hash(h + p) for h, p in pairs)))
        )
        self.counts[category]["urls"] += len(pairs)

    def add_expressions(self, category: str, patterns: list[str]) -> None:
        """Add regular expressions (matched against ``host/path?query``)."""
        self.category(category)
        self.expressions.setdefault(category, []).extend(patterns)
        self.counts[category]["expressions"] += len(patterns)

    def _manifest(self, sets: list[tuple[int, ...]]) -> dict[str, Any]:
        return {
            "format": SEGMENT_FORMAT,
            "name": self.name,
            "locked": self.locked,
            "source": self.source,
            "categories": self.categories,
            "usage": self.usage,
            "aliases": self.aliases,
            "counts": self.counts,
            "url_depth": self.url_depth,
            "category_sets": [list(s) for s in sets],
            "expressions": self.expressions,
        }

    def _arrays(self) -> tuple[dict[str, array], list[tuple[int, ...]]]:
        set_ids: dict[tuple[int, ...], int] = {}
        domain_hashes, domain_sets = _merge(self._domains, set_ids)
        url_hashes, url_sets = _merge(self._urls, set_ids)
        sets = sorted(set_ids, key=set_ids.__getitem__)
        arrays = {
            "domains.hash": domain_hashes,
            "domains.set": domain_sets,
            "urls.hash": url_hashes,
            "urls.set": url_sets,
            "urlhosts.hash": array("Q", sorted(self._url_hosts)),
        }
        return arrays, sets

    def build(self) -> Segment:
        """The segment in memory (used for a policy's small local lists)."""
        arrays, sets = self._arrays()
        return Segment(
            name=self.name,
            manifest=self._manifest(sets),
            domain_hashes=arrays["domains.hash"],
            domain_sets=arrays["domains.set"],
            url_hashes=arrays["urls.hash"],
            url_sets=arrays["urls.set"],
            url_hosts=arrays["urlhosts.hash"],
        )

    def write(self, folder: Path) -> dict[str, Any]:
        """Write the segment into ``folder`` (created), fsynced; return its manifest."""
        folder.mkdir(parents=True)
        arrays, sets = self._arrays()
        for name, values in arrays.items():
            _write_file(folder / name, values.tobytes())
        manifest = self._manifest(sets)
        _write_file(folder / "manifest.json", json.dumps(manifest, indent=1).encode())
        return manifest


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _merge_small(
    parts: list[tuple[int, array]], set_ids: dict[tuple[int, ...], int]
) -> tuple[array, array]:
    """:func:`_merge` for a policy's few local entries, without loading numpy (~12 MB)."""
    members: dict[int, set[int]] = {}
    for category, hashes in parts:
        for hashed in hashes:
            members.setdefault(hashed, set()).add(category)
    ordered = sorted(members)
    sets = array(
        "I", (set_ids.setdefault(tuple(sorted(members[h])), len(set_ids)) for h in ordered)
    )
    return array("Q", ordered), sets


def _merge(
    parts: list[tuple[int, array]], set_ids: dict[tuple[int, ...], int]
) -> tuple[array, array]:
    """Sort all ``(category, hashes)`` parts into one hash array with a category-set array.

    numpy does the sorting: five million entries sort in well under a second.
    """
    if sum(len(h) for _, h in parts) <= _SMALL:
        return _merge_small(parts, set_ids)
    import numpy as np  # only big imports need numpy; helpers that read lists never load it

    hashes = np.concatenate(
        [np.frombuffer(h, dtype=np.uint64) for _, h in parts if len(h)] or [np.zeros(0, np.uint64)]
    )
    cats = np.concatenate(
        [np.full(len(h), c, dtype=np.uint32) for c, h in parts if len(h)]
        or [np.zeros(0, np.uint32)]
    )
    order = np.lexsort((cats, hashes))
    hashes, cats = hashes[order], cats[order]
    keep = np.ones(len(hashes), dtype=bool)
    keep[1:] = (hashes[1:] != hashes[:-1]) | (cats[1:] != cats[:-1])
    hashes, cats = hashes[keep], cats[keep]
    starts = (
        np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
        if len(hashes)
        else np.zeros(0, np.int64)
    )
    ends = np.r_[starts[1:], len(hashes)]
    singles = ends - starts == 1
    out_sets = np.empty(len(starts), dtype=np.uint32)
    single_cats = cats[starts[singles]]
    lookup = np.zeros(int(single_cats.max()) + 1 if len(single_cats) else 0, dtype=np.uint32)
    for c in np.unique(single_cats).tolist():
        lookup[c] = set_ids.setdefault((c,), len(set_ids))
    out_sets[singles] = lookup[single_cats]
    for position in np.flatnonzero(~singles).tolist():
        members = tuple(cats[starts[position] : ends[position]].tolist())
        out_sets[position] = set_ids.setdefault(members, len(set_ids))
    return array("Q", hashes[starts].tobytes()), array("I", out_sets.tobytes())
