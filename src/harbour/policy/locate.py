"""Find the line of a TOML file where a key path is written.

``tomllib`` keeps no positions, so we scan the text once: table headers (``[a.b]``,
``[[a]]``), dotted keys and inline tables give every written key path a line. An error's
location is the deepest written prefix of its path.
"""

from __future__ import annotations

import re

_BARE = r"[A-Za-z0-9_-]+"
_KEY = rf'(?:{_BARE}|"[^"]*"|\'[^\']*\')'
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?")
_ASSIGN = re.compile(rf"^\s*({_DOTTED})\s*=")
_INLINE_KEY = re.compile(rf"[{{,]\s*({_DOTTED})\s*=")


def _split(dotted: str) -> tuple[str, ...]:
    parts = re.findall(_KEY, dotted)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


class KeyLines:
    """Map of key paths to the 1-based line they are written on."""

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple[str | int, ...], int] = {}
        self._array_counts: dict[tuple[str, ...], int] = {}
        table: tuple[str | int, ...] = ()
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.split("#", 1)[0] if '"' not in line and "'" not in line else line
            header = _HEADER.match(stripped)
            if header:
                path = _split(header.group(2))
                if header.group(1) == "[[":
                    index = self._array_counts.get(path, 0)
                    self._array_counts[path] = index + 1
                    table = (*path, index)
                else:
                    table = path
                self.lines.setdefault(table, number)
                continue
            assign = _ASSIGN.match(stripped)
            if not assign:
                continue
            key = (*table, *_split(assign.group(1)))
            self.lines.setdefault(key, number)
            rest = stripped[assign.end():]
            for inner in _INLINE_KEY.finditer(rest):
                self.lines.setdefault((*key, *_split(inner.group(1))), number)

    def line_of(self, path: tuple[str | int, ...]) -> int:
        """Line of the deepest written prefix of ``path`` (1 when nothing matches)."""
        for end in range(len(path), 0, -1):
            found = self.lines.get(tuple(path[:end]))
            if found:
                return found
        return 1
