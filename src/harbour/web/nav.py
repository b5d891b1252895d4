"""The main navigation: each app adds its pages in its AppConfig.ready()."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    """A link shown to users whose role holds ``permission``."""

    label: str
    url: str
    permission: str
    order: int = 50


ITEMS: list[NavItem] = [
    NavItem("Policy", "/policy/", "policy.view", 10),
    NavItem("People", "/people/", "people.view", 20),
    NavItem("Audit log", "/audit/", "audit.view", 90),
]


def add(item: NavItem) -> None:
    """Register a navigation link (idempotent)."""
    if item not in ITEMS:
        ITEMS.append(item)
        ITEMS.sort(key=lambda i: i.order)
