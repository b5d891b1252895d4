"""Reading the files people hand to the commands."""

from __future__ import annotations

import sys
from pathlib import Path


def read_text(path: str) -> str | None:
    """The file's text (a spreadsheet's byte-order mark dropped), or None after saying on
    stderr why it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{path}: cannot read: {exc}", file=sys.stderr)
        return None
