"""Sign-in rate limiting: a username is locked, from one address, after repeated failures;
the second factor is locked for the account after repeated wrong codes.

Failures are counted from the audit log itself, so every failure and every lock-out is
audited, the count survives a restart and is shared by every web process on one database.
"""

from __future__ import annotations

import os
from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

from harbour.apps.audit.chain import record
from harbour.apps.audit.models import AuditEntry

FAILED, LOCKED = "login-failed", "login-locked"
SECOND_FACTOR_FAILED = "second-factor-failed"
TARGET_TYPE = "auth.login"


def max_failures() -> int:
    """Failures allowed within the window before the lock (``HARBOUR_LOGIN_ATTEMPTS``)."""
    return int(os.environ.get("HARBOUR_LOGIN_ATTEMPTS", "5"))


def lock_minutes() -> int:
    """How long failures count and a lock lasts (``HARBOUR_LOGIN_LOCK_MINUTES``)."""
    return int(os.environ.get("HARBOUR_LOGIN_LOCK_MINUTES", "15"))


def attempt_key(request: HttpRequest, username: str) -> str:
    """``username@address``: one person's lock never locks out a colleague."""
    address = request.META.get("REMOTE_ADDR") or "unknown"
    return f"{username.strip().lower()[:40]}@{address}"[:80]


def _recent_failures(key: str) -> int:
    since = timezone.now() - timedelta(minutes=lock_minutes())
    return AuditEntry.objects.filter(
        action=FAILED, object_type=TARGET_TYPE, object_id=key, at__gte=since
    ).count()


def is_locked(key: str) -> bool:
    """True while the key has used up its failures in the current window."""
    return _recent_failures(key) >= max_failures()


def second_factor_locked(user: object) -> bool:
    """True while a signed-in user has used up their second-factor tries in the window."""
    since = timezone.now() - timedelta(minutes=lock_minutes())
    failures = AuditEntry.objects.filter(
        action=SECOND_FACTOR_FAILED, actor=getattr(user, "username", ""), at__gte=since
    ).count()
    return failures >= max_failures()


def note_failure(key: str) -> bool:
    """Audit one failed sign-in; returns True when this failure locks the key."""
    record("anonymous", FAILED, (TARGET_TYPE, key), summary="sign-in failed")
    if _recent_failures(key) == max_failures():
        record(
            "system",
            LOCKED,
            (TARGET_TYPE, key),
            summary=f"locked for {lock_minutes()} minutes after {max_failures()} failures",
        )
        return True
    return False


def locked_message() -> str:
    """What the sign-in page says while a lock holds (no hint whether the username exists)."""
    return (
        f"Too many failed sign-ins. Wait {lock_minutes()} minutes and try again, or ask your "
        "Harbour administrator to reset your password."
    )
