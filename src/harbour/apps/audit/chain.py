"""Append to and verify the hash chain.

Each entry's hash is HMAC-SHA256, keyed with the instance secret, over the previous entry's
hash and the entry's canonical JSON. Removing, inserting or editing any row breaks the chain
from that row on; without the key nobody can rebuild a valid chain.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from harbour.apps.audit.models import AuditEntry, ChainHead

GENESIS = "0" * 64
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("harbour_request_id", default="")


def _key() -> bytes:
    return hashlib.sha256(b"harbour-audit:" + settings.SECRET_KEY.encode()).digest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """A JSON-safe before/after picture of a model instance's own fields."""
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        data[field.name] = _plain(getattr(instance, field.attname))
    return data


def _digest(prev_hash: str, entry: AuditEntry) -> str:
    body = {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "summary": entry.summary,
        "before": entry.before,
        "after": entry.after,
        "request_id": entry.request_id,
    }
    message = prev_hash.encode() + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def actor_name(user: Any) -> str:
    """The name the log records for a user object, a string or nobody."""
    if user is None:
        return "system"
    if isinstance(user, str):
        return user
    return getattr(user, "username", "") or "anonymous"


def record(
    actor: Any,
    action: str,
    target: models.Model | tuple[str, str],
    *,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain (inside the caller's transaction, if any)."""
    if isinstance(target, models.Model):
        object_type, object_id = target._meta.label_lower, str(target.pk or "")
    else:
        object_type, object_id = target
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
        entry = AuditEntry(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=actor_name(actor)[:150],
            action=action,
            object_type=object_type,
            object_id=object_id,
            summary=summary[:300],
            before=_plain(before) if before is not None else None,
            after=_plain(after) if after is not None else None,
            request_id=request_id.get(),
            prev_hash=head.hash,
        )
        entry.hash = _digest(head.hash, entry)
        entry.save()
        head.seq, head.hash = entry.seq, entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry


@dataclass(frozen=True)
class ChainReport:
    """Result of :func:`verify`: ``broken_at`` is the first bad sequence number, if any."""

    entries: int
    broken_at: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify() -> ChainReport:
    """Walk the whole chain; report the first entry that is missing, edited or out of place."""
    prev_hash, expected_seq, count = GENESIS, 1, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(count, expected_seq, f"entry #{expected_seq} is missing (next is #{entry.seq})")
        if entry.prev_hash != prev_hash:
            return ChainReport(count, entry.seq, f"entry #{entry.seq} does not follow entry #{entry.seq - 1}")
        if not hmac.compare_digest(_digest(prev_hash, entry), entry.hash):
            return ChainReport(count, entry.seq, f"entry #{entry.seq} was altered after it was written")
        prev_hash, expected_seq = entry.hash, entry.seq + 1
    head = ChainHead.objects.filter(id=1).first()
    if head and head.seq != expected_seq - 1:
        return ChainReport(count, expected_seq, f"entries after #{expected_seq - 1} up to #{head.seq} were removed")
    return ChainReport(count)
