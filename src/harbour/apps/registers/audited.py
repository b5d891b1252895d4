"""Saving a register record and its audit entry together."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction

from harbour.apps.audit.chain import actor_name, record, snapshot

M = TypeVar("M", bound=models.Model)


def save_audited(
    instance: M | None,
    new: type[M],
    values: dict[str, Any],
    actor: Any,
    label: str,
    creator: str | None,
    summary: str = "",
) -> M:
    """Create (``new(creator=actor)``) or update ``instance`` with ``values``; audit the change
    with before and after pictures, in one transaction. The summary defaults to
    ``label: str(instance)``."""
    with transaction.atomic():
        before = snapshot(instance) if instance is not None else None
        made_by = {creator: actor_name(actor)[:150]} if creator else {}
        target = instance if instance is not None else new(**made_by)
        for name, value in values.items():
            setattr(target, name, value)
        target.save()
        record(
            actor,
            "update" if before else "create",
            target,
            summary=summary or f"{label}: {target}",
            before=before,
            after=snapshot(target),
        )
    return target
