"""Requests to change filtering: temporary unblocks and edits to the school's own lists.

Every request, decision, withdrawal, revocation and expiry is one row here plus an audit
entry; the change log governors read is built from them.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models

KIND_UNBLOCK = "unblock"
KIND_LIST_ADD = "list-add"
KIND_LIST_REMOVE = "list-remove"
KIND_CHOICES = [
    (KIND_UNBLOCK, "Temporary unblock"),
    (KIND_LIST_ADD, "Add to a school list"),
    (KIND_LIST_REMOVE, "Remove from a school list"),
]
TARGET_CHOICES = [("domain", "Site"), ("category", "Category")]

PENDING, APPROVED, REFUSED = "pending", "approved", "refused"
EXPIRED, REVOKED, WITHDRAWN, REMOVED = "expired", "revoked", "withdrawn", "removed"
STATUS_CHOICES = [
    (PENDING, "Waiting for a decision"),
    (APPROVED, "Approved"),
    (REFUSED, "Refused"),
    (EXPIRED, "Expired"),
    (REVOKED, "Revoked"),
    (WITHDRAWN, "Withdrawn"),
    (REMOVED, "Removed from the list"),
]


class FilterRequest(models.Model):
    """One request to change filtering, and what became of it.

    An unblock names a site (``domain``) or a category, the policy groups and/or a class it
    is for, and a period. A list edit adds a site to one of the policy's ``[local_lists]``
    (``list_name``), or removes one added here (``replaces``).
    """

    kind = models.CharField(max_length=12, choices=KIND_CHOICES, default=KIND_UNBLOCK)
    target_kind = models.CharField(max_length=8, choices=TARGET_CHOICES, default="domain")
    target = models.CharField(max_length=255)
    list_name = models.CharField(max_length=60, blank=True)
    groups = models.JSONField(default=list, blank=True)
    class_name = models.CharField(max_length=40, blank=True)
    starts = models.DateTimeField(null=True, blank=True)
    expires = models.DateTimeField(null=True, blank=True)
    reason = models.TextField()
    blocked_url = models.TextField(blank=True, help_text="the blocked page the request came from")
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="filter_requests"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="filter_decisions",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    approvers_told_at = models.DateTimeField(null=True, blank=True)
    requester_told_at = models.DateTimeField(null=True, blank=True)
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="removals"
    )

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "expires"], name="filterrequest_status")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}: {self.target_label}"

    @property
    def target_label(self) -> str:
        """``site example.org`` or ``category games``."""
        return f"{self.get_target_kind_display().lower()} {self.target}"

    @property
    def audience(self) -> str:
        """Who it is for, in words: groups and class."""
        parts = list(self.groups)
        if self.class_name:
            parts.append(f"class {self.class_name}")
        return ", ".join(parts) or "everyone"

    def in_force(self, moment: datetime) -> bool:
        """True while approved and (for an unblock) inside its period."""
        if self.status != APPROVED:
            return False
        if self.kind != KIND_UNBLOCK:
            return self.kind == KIND_LIST_ADD
        return bool(self.starts and self.expires and self.starts <= moment < self.expires)
