"""Template context: the user's role and what the navigation may show."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from harbour.apps.accounts.gate import PERMISSIONS, can, role_of
from harbour.web.nav import ITEMS


def role(request: HttpRequest) -> dict[str, Any]:
    """Expose ``role``, ``nav_items`` and ``perms_ok`` (permission -> bool) to every template."""
    user = getattr(request, "user", None)
    return {
        "role": role_of(user),
        "nav_items": [item for item in ITEMS if can(user, item.permission)],
        "perms_ok": {name.replace(".", "_"): can(user, name) for name in PERMISSIONS},
    }
