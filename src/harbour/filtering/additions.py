"""Approved additions to the school's own lists, carried in the snapshot as overrides.

The web application records a request to add a site to a ``[local_lists]`` list (allow or
block), and once approved writes it into the snapshot as an :class:`Override` whose target is
``list:NAME:ENTRY`` (``list:school-block:games.example`` or
``list:school-allow:example.org/maths``). While the override is active the entry is part of
list NAME for everyone: it matches as that list's category, so an allow list lets the site
through and a block list blocks it through the activity row naming the list, exactly as if it
had been written in the policy file. The locked tier still comes first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from harbour.filtering.entries import url_entry
from harbour.filtering.matcher import Match, host_suffixes, path_prefixes
from harbour.filtering.urlnorm import NormalURL, UrlError
from harbour.policy.model import Policy
from harbour.policy.snapshot import Override

log = logging.getLogger(__name__)
PREFIX = "list:"


@dataclass(frozen=True)
class Addition:
    """One approved entry of a local list, active during its override's period."""

    list_name: str
    host: str
    path: str  # "" for a whole domain
    override: Override

    @property
    def entry(self) -> str:
        return self.host + self.path


def additions_of(overrides: list[Override], policy: Policy) -> list[Addition]:
    """The ``list:`` overrides as additions; unusable ones are logged and left out (a bad
    entry in the snapshot must not stop the filter)."""
    found = []
    for override in overrides:
        if not override.target.startswith(PREFIX):
            continue
        name, _, text = override.target[len(PREFIX) :].partition(":")
        if name not in policy.local_lists:
            log.error("override %s: no local list %r in the policy; ignored", override.id, name)
            continue
        try:
            host, path = url_entry(text.strip())
        except UrlError as exc:
            log.error("override %s: %s; ignored", override.id, exc)
            continue
        found.append(Addition(name, host, path, override))
    return found


def addition_matches(
    additions: list[Addition], host: str, url: NormalURL | None, moment: datetime
) -> list[Match]:
    """The active additions matching ``host`` (and ``url``'s path, when there is one)."""
    if not additions:
        return []
    suffixes = set(host_suffixes(host))
    prefixes = set(path_prefixes(url.path, url.query)) if url is not None else set()
    found = []
    for addition in additions:
        if addition.host not in suffixes:
            continue
        if addition.path and addition.path not in prefixes:
            continue
        if addition.override.active(moment):
            kind = "url" if addition.path else "domain"
            found.append(Match(addition.list_name, addition.entry, kind))
    return found
