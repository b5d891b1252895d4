"""Safeguarding records: concerns, online-safety incidents and allegations against staff.

A record is never edited once closed; follow-ups are new records linked to it. Everything a
record holds (people, actions, flowchart steps, evidence, notes) hangs off it so that the
chronology, retention and access rules have one place to start from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from harbour.apps.people.models import Person
from harbour.apps.records import vocab


class Record(models.Model):
    """One concern, incident or allegation, from report to closure."""

    kind = models.CharField(max_length=12, choices=vocab.KIND_CHOICES)
    status = models.CharField(max_length=8, choices=vocab.STATUS_CHOICES, default=vocab.NEW)
    what_happened = models.TextField()
    occurred_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    four_cs = models.JSONField(default=list)
    risk_category = models.CharField(max_length=20, choices=vocab.RISK_CATEGORIES)
    severity = models.PositiveSmallIntegerField(choices=vocab.SEVERITIES, default=3)
    incident_type = models.CharField(max_length=60, blank=True, help_text="a sanctions-matrix row")
    nude_image_suspected = models.BooleanField(default=False)
    technical = models.BooleanField(default=False, help_text="shown to IT staff")
    shared_with_head = models.BooleanField(default=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    outcome = models.TextField(blank=True)
    closing_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "kind"]), models.Index(fields=["reported_by"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def closed(self) -> bool:
        return self.status == vocab.CLOSED


class Involvement(models.Model):
    """A person's part in a record."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="involvements")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="record_parts")
    part = models.CharField(max_length=12, choices=vocab.PART_CHOICES)

    class Meta:
        unique_together = [("record", "person", "part")]


class RecordLink(models.Model):
    """Two records that belong together (a follow-up, a related concern)."""

    from_record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="links_out")
    to_record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="links_in")
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        unique_together = [("from_record", "to_record")]


class AlertLink(models.Model):
    """A monitoring alert behind a record. Kept by id so records never depend on the alerts
    app's tables; the summary is copied so the chronology reads without it."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="alert_links")
    alert_id = models.CharField(max_length=40)
    summary = models.CharField(max_length=300, blank=True)
    raised_at = models.DateTimeField(null=True, blank=True)
    linked_by = models.CharField(max_length=150)
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        unique_together = [("record", "alert_id")]


class Action(models.Model):
    """A response: recommended by the policy's sanctions matrix, or added by the DSL."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="actions")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(max_length=40, help_text="a sanctions action, or 'other'")
    title = models.CharField(max_length=200)
    recommended = models.BooleanField(default=False)
    policy_version = models.CharField(max_length=64, blank=True)
    incident_type = models.CharField(max_length=60, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=vocab.ACTION_STATUS_CHOICES, default=vocab.PENDING
    )
    done_on = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="why it differs from the recommendation")
    reference = models.CharField(max_length=120, blank=True)
    restored_on = models.DateField(null=True, blank=True, help_text="network access given back")
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class FlowStep(models.Model):
    """One answered step of a response flowchart (illegal content, nudes, allegations)."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=40)
    answer = models.CharField(max_length=10, help_text="yes, no or done")
    on = models.DateField(null=True, blank=True)
    reference = models.CharField(max_length=120, blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        unique_together = [("record", "step")]


class Note(models.Model):
    """A conversation, decision or observation, in the words of who wrote it."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField()
    author = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)


class Evidence(models.Model):
    """A web address or a stored file; files live content-addressed outside the web root."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=12, choices=vocab.EVIDENCE_KINDS)
    url = models.URLField(max_length=2000, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    description = models.CharField(max_length=300, blank=True)
    added_by = models.CharField(max_length=150)
    added_at = models.DateTimeField(auto_now_add=True)


class CustodyEvent(models.Model):
    """The chain of custody: who added, accessed, exported or handed over an item."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="custody")
    action = models.CharField(max_length=12, choices=vocab.CUSTODY_ACTIONS)
    actor = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)
    to_whom = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]


class TwoPersonReview(models.Model):
    """Two people looked at the material together, on a named computer, and concluded."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="reviews")
    reviewer_one = models.CharField(max_length=150)
    reviewer_two = models.CharField(max_length=150)
    computer = models.CharField(max_length=150)
    reason_for_concern = models.TextField()
    conclusion = models.TextField()
    reviewed_on = models.DateField()
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)


class Transfer(models.Model):
    """A pupil's safeguarding file sent to a new school, and its receipt."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="safeguarding_transfers"
    )
    destination = models.CharField(max_length=200)
    sent_on = models.DateField()
    sha256 = models.CharField(max_length=64, help_text="of the PDF that was sent")
    sent_by = models.CharField(max_length=150)
    receipt_confirmed_on = models.DateField(null=True, blank=True)
    receipt_confirmed_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
