"""Locked feeds: IWF / CTIRU-style lists in Harbour's plain text feed format (docs/lists.md).

One entry a line; ``#`` starts a comment; blank lines are ignored. An entry with a ``/`` after
the host is a URL (that page and everything below it); anything else is a whole domain with
its sub-domains. A scheme (``http://``, ``https://``) is allowed and ignored.
"""

from __future__ import annotations

import re
from pathlib import Path

from harbour.filtering.compiled import SegmentBuilder
from harbour.filtering.entries import Entries, ListImportError, add_line, lines_of

FEED_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,39}$")


def read_feed(name: str, path: Path, builder: SegmentBuilder) -> None:
    """Read the feed file at ``path`` as locked category ``name`` into ``builder``.

    An empty feed is refused: replacing a list of thousands of illegal URLs with nothing is
    far more likely a broken download than a real update.
    """
    if not FEED_NAME.fullmatch(name):
        raise ListImportError(
            [f"{name!r}: a feed name is 1-40 lower-case letters, digits, '-' or '_'"]
        )
    try:
        numbered = list(lines_of(path))
    except OSError as exc:
        raise ListImportError([f"{path}: cannot read the feed: {exc.strerror}"]) from None
    entries = Entries()
    for number, text in numbered:
        entry = text.split("#", 1)[0].strip()
        bare = entry.split("://", 1)[-1].rstrip("/")
        if "/" in bare:
            add_line(entries, "urls", entry, f"{path}:{number}")
        else:
            add_line(entries, "domains", bare, f"{path}:{number}")
    if entries.problems:
        raise ListImportError(entries.problems, entries.unlisted)
    if not entries.domains and not entries.urls:
        raise ListImportError(
            [f"{path}: the feed has no entries; the current {name!r} list is kept"]
        )
    builder.category(name, "black")
    builder.add_domains(name, entries.domains)
    builder.add_urls(name, entries.urls)
