"""Filtering decisions as database rows: the DfE filtering log, queried by reports."""

from __future__ import annotations

from django.db import models

SOURCE_CHOICES = [("proxy", "Web proxy"), ("dns", "DNS"), ("cli", "Command line")]
ACTION_CHOICES = [("allow", "Allowed"), ("block", "Blocked")]


class DecisionEvent(models.Model):
    """One filtering decision: who (device, IP, user, group), when, what, and why.

    ``spool_id`` (``segment@offset``, from the spool) is unique, so loading a batch twice
    stores it once. ``category`` is the first matched category, kept in its own indexed
    column for reports; ``categories`` holds them all.
    """

    spool_id = models.CharField(max_length=120, unique=True)
    time = models.DateTimeField()
    source = models.CharField(max_length=8, choices=SOURCE_CHOICES)
    device = models.CharField(max_length=120, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    user = models.CharField(max_length=150, blank=True)
    group = models.CharField(max_length=60, blank=True)
    url = models.TextField()
    host = models.CharField(max_length=255, blank=True)
    search_terms = models.TextField(blank=True, help_text="search terms, one a line")
    category = models.CharField(max_length=60, blank=True)
    categories = models.JSONField(default=list, blank=True)
    action = models.CharField(max_length=5, choices=ACTION_CHOICES)
    activity = models.CharField(max_length=80, blank=True)
    level = models.CharField(max_length=30, blank=True)
    reason_code = models.CharField(max_length=20, blank=True)
    rule = models.CharField(max_length=160, blank=True)
    policy_version = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-time"]
        indexes = [
            models.Index(fields=["time"], name="event_time"),
            models.Index(fields=["action", "time"], name="event_action_time"),
            models.Index(fields=["user", "time"], name="event_user_time"),
            models.Index(fields=["category", "time"], name="event_category_time"),
        ]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.action} {self.host}"


class SpoolReject(models.Model):
    """A spool line that could not be read as an event, kept rather than dropped."""

    spool_id = models.CharField(max_length=120, unique=True)
    stored_at = models.DateTimeField(auto_now_add=True)
    error = models.CharField(max_length=300)
    raw = models.TextField()

    def __str__(self) -> str:
        return f"{self.spool_id}: {self.error}"
