"""Alerts, the notifications sent about them, ingest tokens and the DSL's ignore rules."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models

SOURCE_CHOICES = [
    ("search", "Search terms"),
    ("url", "Web address"),
    ("title", "Page title"),
    ("text-event", "Text from an agent or integration"),
    ("locked-tier", "Blocked on an illegal-content list"),
]
STATUS_CHOICES = [
    ("new", "New"),
    ("acknowledged", "Acknowledged"),
    ("escalated", "Escalated to an incident"),
    ("false-positive", "False positive"),
    ("closed", "Closed"),
]
OPEN_STATUSES = ("new", "acknowledged", "escalated")
OUTCOME_CHOICES = [
    ("no-further-action", "No further action"),
    ("spoke-to-pupil", "Spoke to the pupil"),
    ("parents-informed", "Parents or carers informed"),
    ("internal-support", "Internal support put in place"),
    ("referred-external", "Referred to children's social care, police or Prevent"),
    ("staff-misuse", "Passed to the headteacher (staff misuse)"),
    ("false-positive", "False positive"),
]
SEVERITY_TITLES = {
    1: "information",
    2: "low",
    3: "concerning",
    4: "serious",
    5: "critical",
}
MAX_EVIDENCE = 50  # a repeating alert keeps its first and latest matches, not thousands


class Alert(models.Model):
    """One safeguarding concern the monitoring raised; repeats of it are folded in."""

    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    username = models.CharField(max_length=150, blank=True)
    device = models.CharField(max_length=200, blank=True)
    ip = models.CharField(max_length=64, blank=True)
    application = models.CharField(max_length=200, blank=True)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    category = models.CharField(max_length=30)
    severity = models.PositiveSmallIntegerField()
    # [{"at", "source", "matched", "context"}]: behind the login only, never in emails or logs
    evidence = models.JSONField(default=list)
    source = models.CharField(max_length=20, choices=SOURCE_CHOICES)
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default="new")
    outcome = models.CharField(max_length=30, choices=OUTCOME_CHOICES, blank=True)
    outcome_note = models.TextField(blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    escalation_note = models.TextField(blank=True)
    record_ref = models.CharField(
        max_length=100, blank=True, help_text="the safeguarding record this alert was escalated to"
    )
    group_key = models.CharField(max_length=400)
    repeat_count = models.PositiveIntegerField(default=1)
    routed_severity = models.PositiveSmallIntegerField(
        default=0, help_text="highest severity already routed, so repeats do not notify twice"
    )
    policy_version = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-severity", "first_seen"]
        indexes = [
            models.Index(fields=["status", "-severity", "first_seen"]),
            models.Index(fields=["group_key", "last_seen"]),
            models.Index(fields=["status", "closed_at"]),
        ]

    def __str__(self) -> str:
        return f"alert {self.pk}: severity {self.severity} {self.category}"

    @property
    def who(self) -> str:
        """The person's name, else the username, device or address the event named."""
        if self.person is not None:
            return self.person.display_name
        return self.username or self.device or self.ip or "unknown user"

    @property
    def category_title(self) -> str:
        """The category as people write it: ``self harm``, not ``self_harm``."""
        return self.category.replace("_", " ")

    @property
    def evidence_items(self) -> list[dict[str, object]]:
        """The evidence with its times as datetimes, for display."""
        items = []
        for item in self.evidence:
            try:
                at: object = datetime.fromisoformat(str(item.get("at", "")))
            except ValueError:
                at = item.get("at", "")
            items.append({**item, "at": at})
        return items

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def severity_title(self) -> str:
        return SEVERITY_TITLES.get(self.severity, "")


CHANNEL_CHOICES = [("email", "Email"), ("phone", "Phone call"), ("webhook", "Webhook")]
NOTIFY_STATUS_CHOICES = [
    ("pending", "Waiting to send"),
    ("sent", "Sent"),
    ("failed", "Failed, will retry"),
    ("gave-up", "Failed, no more retries"),
    ("to-call", "To call, in order"),
    ("answered", "Called: answered"),
    ("no-answer", "Called: no answer"),
]
CALL_RESULTS = ("answered", "no-answer")


class Notification(models.Model):
    """One attempt, or series of attempts, to tell someone about an alert."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    channel = models.CharField(max_length=10, choices=CHANNEL_CHOICES)
    recipient = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0, help_text="order in the contact list")
    status = models.CharField(max_length=10, choices=NOTIFY_STATUS_CHOICES, default="pending")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["alert", "position", "id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient}: {self.status}"


class IngestToken(models.Model):
    """A bearer token for the text-event API. Only its SHA-256 is stored."""

    name = models.CharField(max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="the first characters, to recognise it")
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.name} ({self.prefix}…)"


class IgnoreRule(models.Model):
    """A word or phrase the DSL decided should not alert at this school."""

    term = models.CharField(max_length=200)
    reason = models.CharField(max_length=300, blank=True)
    from_alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return f"ignore {self.term!r}"
