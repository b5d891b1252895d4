"""Logins for people in the directory."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from harbour.apps.accounts.models import Profile
from harbour.apps.audit.chain import record


def ensure_login(
    username: str,
    role: str,
    password: str,
    actor: Any,
    first: str = "",
    last: str = "",
    email: str = "",
) -> User:
    """Create or update a login with a role; audit the change (never the password)."""
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username)
        user.first_name, user.last_name, user.email = first, last, email
        user.set_password(password)
        user.save()
        profile, _ = Profile.objects.get_or_create(user=user)
        before = {"role": profile.role}
        profile.role = role
        profile.save()
        record(
            actor,
            "create" if created else "update",
            profile,
            summary=f"login {username} as {role}",
            before=None if created else before,
            after={"username": username, "role": role},
        )
    return user
