"""The main navigation: each app adds its pages in its AppConfig.ready().

Links are shown in a few named groups (safeguarding, filtering, registers, reports, school) so
that a role with many pages still gets a short, scannable menu, on a phone above all.
"""

from __future__ import annotations

from dataclasses import dataclass

# Group name for each URL prefix; the longest matching prefix wins. The tuple order is the
# order the groups appear in the menu.
GROUPS: tuple[str, ...] = ("Safeguarding", "Filtering", "Registers", "Reports", "School", "More")
_PREFIX_GROUP: dict[str, str] = {
    "/alerts/": "Safeguarding",
    "/records/": "Safeguarding",
    "/records/figures/": "Reports",
    "/filtering/": "Filtering",
    "/registers/": "Registers",
    "/reports/": "Reports",
    "/policy/": "School",
    "/people/": "School",
    "/audit/": "School",
}


def group_of(url: str) -> str:
    """The menu group a link to ``url`` belongs to ("More" when no prefix matches)."""
    matches = [prefix for prefix in _PREFIX_GROUP if url.startswith(prefix)]
    return _PREFIX_GROUP[max(matches, key=len)] if matches else "More"


@dataclass(frozen=True)
class NavItem:
    """A link shown to users whose role holds ``permission``."""

    label: str
    url: str
    permission: str
    order: int = 50

    @property
    def group(self) -> str:
        """The menu group this link is shown under."""
        return group_of(self.url)


def _menu_position(item: NavItem) -> tuple[int, int]:
    # Items of one group must be adjacent: the template regroups them in a single pass.
    return GROUPS.index(item.group), item.order


ITEMS: list[NavItem] = sorted(
    [
        NavItem("Policy", "/policy/", "policy.view", 10),
        NavItem("People", "/people/", "people.view", 20),
        NavItem("Audit log", "/audit/", "audit.view", 90),
    ],
    key=_menu_position,
)


def add(item: NavItem) -> None:
    """Register a navigation link (idempotent)."""
    if item not in ITEMS:
        ITEMS.append(item)
        ITEMS.sort(key=_menu_position)
