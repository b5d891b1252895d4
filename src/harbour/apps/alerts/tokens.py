"""Bearer tokens for the text-event API: made by IT, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from harbour.apps.alerts.models import IngestToken
from harbour.apps.audit.chain import record

TOKEN_PREFIX = "hbt_"


class TokenError(ValueError):
    """A token cannot be made or revoked as asked."""


def _hash(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str, actor: Any) -> str:
    """Make a token called ``name``; returns the token itself (it is not stored)."""
    name = name.strip()
    if not name:
        raise TokenError("a token needs a name, e.g. the agent or integration that will use it")
    if IngestToken.objects.filter(name=name).exists():
        raise TokenError(
            f"a token called {name!r} already exists; revoke it or choose another name"
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = IngestToken.objects.create(
            name=name, token_hash=_hash(token), prefix=token[:10], created_by=str(actor)
        )
        record(actor, "create", row, summary=f"ingest token {name!r} created")
    return token


def revoke_token(name: str, actor: Any) -> IngestToken:
    """Stop a token working at once."""
    row = IngestToken.objects.filter(name=name, revoked_at=None).first()
    if row is None:
        raise TokenError(f"no working token called {name!r}")
    with transaction.atomic():
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        record(actor, "revoke", row, summary=f"ingest token {name!r} revoked")
    return row


def token_from_header(header: str) -> IngestToken | None:
    """The working token an ``Authorization: Bearer ...`` header carries, or None."""
    scheme, _, value = (header or "").partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(TOKEN_PREFIX):
        return None
    row = IngestToken.objects.filter(token_hash=_hash(value), revoked_at=None).first()
    if row is not None:
        IngestToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row
