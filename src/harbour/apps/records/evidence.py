"""Evidence and its chain of custody; two-person reviews of material.

Every touch of an item (added, accessed, downloaded, exported, handed over) is a custody event
and an audit entry. Nothing is ever stored for a record of a suspected nude image of a child.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from harbour.apps.audit.chain import actor_name, snapshot
from harbour.apps.audit.chain import record as audit
from harbour.apps.records import flowchart, storage
from harbour.apps.records.models import CustodyEvent, Evidence, Record, TwoPersonReview
from harbour.apps.records.rules import ClosedRecord, RuleError


def _custody(actor: Any, item: Evidence, action: str, to_whom: str = "", note: str = "") -> None:
    CustodyEvent.objects.create(
        evidence=item, action=action, actor=actor_name(actor), to_whom=to_whom, note=note
    )
    audit(
        actor,
        action if action != "handed-over" else "hand-over",
        item,
        summary=f"{item.record}: evidence #{item.pk} {action}"
        + (f" to {to_whom}" if to_whom else ""),
    )


@transaction.atomic
def add_evidence(
    actor: Any,
    record: Record,
    kind: str,
    *,
    url: str = "",
    chunks: Iterable[bytes] = (),
    filename: str = "",
    content_type: str = "",
    description: str = "",
) -> Evidence:
    """Add a web address, or a file stored by its SHA-256 outside any web root."""
    if record.closed:
        raise ClosedRecord
    flowchart.check_upload_allowed(record, kind)
    if kind == "url":
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise RuleError("give a web address starting http:// or https://") from None
        item = Evidence.objects.create(
            record=record, kind=kind, url=url, description=description, added_by=actor_name(actor)
        )
    elif kind in ("screenshot", "file"):
        try:
            sha256, size = storage.store(chunks)
        except storage.EvidenceTooLarge as error:
            raise RuleError(str(error)) from None
        if size == 0:
            raise RuleError("the file is empty")
        item = Evidence.objects.create(
            record=record,
            kind=kind,
            filename=filename[:200] or "evidence",
            content_type=content_type[:100],
            sha256=sha256,
            size=size,
            description=description,
            added_by=actor_name(actor),
        )
    else:
        raise RuleError("evidence is a url, a screenshot or a file")
    _custody(actor, item, "added")
    return item


def open_evidence(actor: Any, item: Evidence, action: str = "downloaded") -> bytes:
    """The stored bytes of a file, logged as accessed/downloaded/exported."""
    if not item.sha256:
        raise RuleError("this item is a web address, not a file")
    flowchart.check_upload_allowed(item.record, item.kind)
    data = storage.read(item.sha256)
    _custody(actor, item, action)
    return data


@transaction.atomic
def hand_over(actor: Any, item: Evidence, to_whom: str, note: str = "") -> None:
    """Record that an item was handed over (to the police, the LADO, another school)."""
    if not to_whom.strip():
        raise RuleError("say who it was handed to")
    _custody(actor, item, "handed-over", to_whom.strip(), note)


@transaction.atomic
def add_review(
    actor: Any,
    record: Record,
    *,
    reviewer_one: str,
    reviewer_two: str,
    computer: str,
    reason_for_concern: str,
    conclusion: str,
    reviewed_on: date,
) -> TwoPersonReview:
    """Two people reviewed material together: who, on which computer, why, and what they found."""
    if record.closed:
        raise ClosedRecord
    if record.nude_image_suspected:
        raise RuleError(
            "suspected nude images of children are never reviewed in school: refer instead"
        )
    names = [reviewer_one.strip(), reviewer_two.strip()]
    if not all(names) or names[0].casefold() == names[1].casefold():
        raise RuleError("a review needs two different reviewers")
    if not (computer.strip() and reason_for_concern.strip() and conclusion.strip()):
        raise RuleError("give the computer used, the reason for concern and the conclusion")
    review = TwoPersonReview.objects.create(
        record=record,
        reviewer_one=names[0],
        reviewer_two=names[1],
        computer=computer.strip(),
        reason_for_concern=reason_for_concern.strip(),
        conclusion=conclusion.strip(),
        reviewed_on=reviewed_on,
        recorded_by=actor_name(actor),
    )
    audit(
        actor,
        "create",
        review,
        summary=f"{record}: two-person review recorded",
        after=snapshot(review),
    )
    return review
