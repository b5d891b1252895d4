"""Errors a record operation raises when a safeguarding rule refuses it."""

from __future__ import annotations


class RuleError(Exception):
    """A rule refused the operation; the message says which and what to do instead."""


class ClosedRecord(RuleError):
    """Closed records are final: follow-ups are new linked records."""

    def __init__(self) -> None:
        super().__init__(
            "this record is closed and cannot be changed; start a linked follow-up record"
        )
