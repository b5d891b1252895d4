"""Reading list entries (domains, URLs, expressions) from text files, with file:line errors."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from harbour.filtering.urlnorm import UrlError, normalise_host, normalise_url

# Most list lines are already canonical; checking that is ten times cheaper than normalising.
_PLAIN_DOMAIN = re.compile(r"[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)*\.[a-z_\-][a-z0-9_\-]*")
_MAX_REPORTED = 20
_MAX_KEPT = 1000


class ListImportError(Exception):
    """An import that cannot be completed; ``problems`` are ``file:line: message`` strings."""

    def __init__(self, problems: list[str], unlisted: int = 0) -> None:
        shown = problems[:_MAX_REPORTED]
        more = len(problems) - len(shown) + unlisted
        super().__init__("\n".join(shown + ([f"... and {more} more problems"] if more else [])))
        self.problems = problems
        self.count = len(problems) + unlisted


@dataclass
class Entries:
    """Normalised entries of one category, and the problems found reading them."""

    domains: list[str] = field(default_factory=list)
    urls: list[tuple[str, str]] = field(default_factory=list)
    expressions: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unlisted: int = 0  # problems beyond the first _MAX_KEPT, counted but not kept

    def problem(self, message: str) -> None:
        """Record a bad line (a file of junk must not fill memory with messages)."""
        if len(self.problems) < _MAX_KEPT:
            self.problems.append(message)
        else:
            self.unlisted += 1


def lines_of(path: Path) -> Iterator[tuple[int, str]]:
    """Numbered, stripped, non-blank, non-comment lines of a text file (``.gz`` allowed)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            text = line.strip()
            if text and not text.startswith("#"):
                yield number, text


def domain_entry(text: str) -> str:
    """A list's domain entry, normalised (raises :class:`UrlError`)."""
    if _PLAIN_DOMAIN.fullmatch(text):
        return text
    return normalise_host(text.lower())


def url_entry(text: str) -> tuple[str, str]:
    """A list's URL entry as ``(host, path)``: no scheme, no trailing slash; a bare host
    gives an empty path."""
    url = normalise_url(text if "://" in text else "http://" + text)
    path = url.path.rstrip("/")
    if url.query is not None:
        path = f"{path or '/'}?{url.query}"
    return url.netloc, path


def add_line(entries: Entries, kind: str, text: str, where: str) -> None:
    """Add one line of a ``domains``/``urls``/``expressions`` file to ``entries``."""
    try:
        if kind == "domains":
            entries.domains.append(domain_entry(text))
        elif kind == "urls":
            host, path = url_entry(text)
            if path:
                entries.urls.append((host, path))
            else:
                entries.domains.append(host)  # "host/" means the whole site
        else:
            re.compile(text)
            entries.expressions.append(text)
    except UrlError as exc:
        entries.problem(f"{where}: {exc}: {text[:80]!r}")
    except re.error as exc:
        entries.problem(f"{where}: not a valid regular expression ({exc}): {text[:80]!r}")


def read_file(entries: Entries, kind: str, path: Path) -> None:
    """Read one list file of ``kind`` into ``entries``."""
    for number, text in lines_of(path):
        add_line(entries, kind, text, f"{path}:{number}")
