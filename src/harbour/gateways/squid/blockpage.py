"""Where a blocked request is sent: Harbour's block page, told what was blocked and why.

``http://<block host>/blocked?url=...&reason=...&category=...&rule=...``: the page explains
the reason in words a pupil understands and offers staff a "request access" form.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from harbour.filtering.decision import Decision

DEFAULT_BLOCK_URL = "http://harbour.invalid/blocked"

# Characters left as they are in a query value; everything else is percent-encoded. A
# translate table does this in C, which matters: every blocked request builds one.
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/")
_ESCAPES = {code: f"%{code:02X}" for code in range(128) if chr(code) not in _SAFE}


def quote_value(text: str) -> str:
    """``text`` percent-encoded for a query-string value."""
    return text.translate(_ESCAPES) if text.isascii() else quote(text, safe=":/")


class BlockPage:
    """Builds block-page addresses under one base URL."""

    def __init__(self, base: str = DEFAULT_BLOCK_URL) -> None:
        self.base = base
        self._joiner = "&" if "?" in base else "?"

    def details(self, decision: Decision) -> str:
        """The query-string part that depends only on the decision (cacheable with it)."""
        return urlencode(
            {
                "reason": decision.reason,
                "category": decision.categories[0] if decision.categories else "",
                "rule": decision.rule or decision.reason_code.value,
            }
        )

    def location(self, url: str, details: str) -> str:
        """The block page for ``url``, with ``details`` from :meth:`details`."""
        return f"{self.base}{self._joiner}url={quote_value(url)}&{details}"
