"""Filtering decisions as database rows: the DfE filtering log, queried by reports."""

from __future__ import annotations

from django.db import models

SOURCE_CHOICES = [("proxy", "Web proxy"), ("dns", "DNS"), ("cli", "Command line")]
ACTION_CHOICES = [("allow", "Allowed"), ("block", "Blocked")]


class DecisionEvent(models.Model):
    """One filtering decision: who (device, IP, user, group), when, what, and why.

    ``spool_id`` (``segment@offset``, from the spool) says where the event came from;
    :class:`SpoolProgress` is what keeps a batch loaded twice from being stored twice.
    ``category`` is the first matched category, kept in its own indexed
    column for reports; ``categories`` holds them all.
    """

    spool_id = models.CharField(max_length=120)
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
        # Only what the reports read: period counts on time, blocked attempts on the partial
        # index below. Every index is paid on each of ~10^5 inserts a second; (user, time) and
        # (category, time) were never used by a query and halved SQLite's insert rate, and
        # (action, time) only counted allowed decisions, which are all minus the blocked.
        indexes = [
            models.Index(fields=["time"], name="event_time"),
            # The weekly report's breakdowns of blocked attempts read only this partial index;
            # "action" leads so that SQLite picks it without statistics.
            models.Index(
                fields=[
                    "action",
                    "time",
                    "category",
                    "group",
                    "user",
                    "activity",
                    "reason_code",
                    "host",
                ],
                condition=models.Q(action="block"),
                name="event_blocked_cover",
            ),
            models.Index(
                fields=["reason_code", "time"],
                condition=models.Q(reason_code="locked"),
                name="event_locked_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.action} {self.host}"


class SpoolProgress(models.Model):
    """How far a spool segment is stored: every event of ``segment`` at a byte offset below
    ``position`` is in the database. Moved in each batch's own transaction, it recognises a
    batch that comes back after a crash between commit and acknowledgement (a unique index
    on every event's spool id did that at a fifth of the insert cost)."""

    segment = models.CharField(max_length=100, unique=True)
    position = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.segment} stored below byte {self.position}"


class SpoolReject(models.Model):
    """A spool line that could not be read as an event, kept rather than dropped."""

    spool_id = models.CharField(max_length=120, unique=True)
    stored_at = models.DateTimeField(auto_now_add=True)
    error = models.CharField(max_length=300)
    raw = models.TextField()

    def __str__(self) -> str:
        return f"{self.spool_id}: {self.error}"
