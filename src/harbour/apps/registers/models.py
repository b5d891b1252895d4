"""The registers' records. History is kept by adding rows, never by overwriting them."""

from __future__ import annotations

from django.db import models

from harbour.apps.people.models import Person


class Signature(models.Model):
    """One acknowledgement of one version of an acceptable use agreement."""

    METHODS = [("electronic", "Signed online"), ("paper", "Paper signature recorded")]

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="aup_signatures")
    agreement = models.CharField(
        max_length=60, help_text="key of [acceptable_use.KEY] in the policy"
    )
    version = models.CharField(max_length=40)
    method = models.CharField(max_length=12, choices=METHODS)
    signer_name = models.CharField(max_length=160, help_text="who signed (a parent for a pupil)")
    signed_on = models.DateField()
    signed_at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    device = models.CharField(max_length=200, blank=True, help_text="browser or device description")
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-signed_on", "-id"]
        indexes = [models.Index(fields=["agreement", "version"])]

    def __str__(self) -> str:
        return f"{self.agreement} {self.version} by {self.signer_name} on {self.signed_on}"


class Restriction(models.Model):
    """Someone currently filtered as the no-agreement group (one row while it lasts)."""

    username = models.CharField(max_length=150, unique=True)
    since = models.DateTimeField(auto_now_add=True)
    missing = models.JSONField(default=list)


class Course(models.Model):
    """A training course and the policy requirements a completion satisfies."""

    title = models.CharField(max_length=200, unique=True)
    provider = models.CharField(max_length=200, blank=True)
    satisfies = models.JSONField(default=list, help_text="keys of [training.KEY] in the policy")

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Completion(models.Model):
    """Someone completed a course on a date, with an optional certificate (stored hashed)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="training")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField()
    provider = models.CharField(max_length=200, blank=True)
    certificate = models.CharField(max_length=300, blank=True, help_text="path in the data dir")
    certificate_name = models.CharField(max_length=200, blank=True)
    certificate_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_on", "-id"]


class SelfAudit(models.Model):
    """A member of staff's answers to the online-safety training needs questionnaire."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="self_audits")
    answered_at = models.DateTimeField(auto_now_add=True)
    answers = models.JSONField(default=dict, help_text="question key -> {yes: bool, comment: str}")
    wanted_training = models.TextField(blank=True)

    class Meta:
        ordering = ["-answered_at", "-id"]


CONSENT_USES = [
    ("website", "School website"),
    ("social-media", "School social media"),
    ("newsletter", "Newsletter"),
    ("press", "Press and local media"),
]


class Consent(models.Model):
    """A photo/video consent decision for one pupil and one use, from a date. The newest row
    by effective date is the one in force; older rows are the history."""

    pupil = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="consents")
    use = models.CharField(max_length=20, choices=CONSENT_USES)
    granted = models.BooleanField()
    effective_on = models.DateField()
    given_by = models.CharField(max_length=160, help_text="parent or carer (or the pupil)")
    notes = models.CharField(max_length=300, blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_on", "-id"]
        indexes = [models.Index(fields=["pupil", "use"])]


class PhonePermission(models.Model):
    """A mobile phone permission form for a pupil (newest row in force)."""

    pupil = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="phone_permissions")
    granted = models.BooleanField()
    reason = models.CharField(max_length=300, blank=True)
    signed_by = models.CharField(max_length=160)
    effective_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_on", "-id"]


class Device(models.Model):
    """A device or address range on the school's networks."""

    name = models.CharField(max_length=120, unique=True)
    device_type = models.CharField(
        max_length=30, help_text="a column of the policy's device matrix"
    )
    owner = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="devices"
    )
    mac = models.CharField(max_length=17, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    cidr = models.CharField(max_length=50, blank=True)
    site = models.CharField(max_length=80, blank=True)
    guest = models.BooleanField(default=False)
    expires = models.DateTimeField(null=True, blank=True, help_text="guest and temporary access")
    notes = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    added_by = models.CharField(max_length=150)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


REVIEW_TRIGGERS = [
    ("annual", "Annual review"),
    ("new-technology", "New technology"),
    ("incident", "Safeguarding incident"),
    ("configuration", "Configuration change"),
    ("byod", "Bring-your-own-device change"),
    ("other", "Other"),
]


class Review(models.Model):
    """A filtering and monitoring review (DfE standard 2): checklist, findings and actions."""

    trigger = models.CharField(max_length=20, choices=REVIEW_TRIGGERS, default="annual")
    title = models.CharField(max_length=200)
    held_on = models.DateField()
    participants = models.JSONField(default=list, help_text="[{name, role}]")
    checks = models.JSONField(default=dict, help_text="check key -> {done, notes}")
    self_test = models.JSONField(
        null=True, blank=True, help_text="filter self-test result, when recorded"
    )
    findings = models.TextField(blank=True)
    actions = models.JSONField(default=list, help_text="[{action, owner, due, done}]")
    completed = models.BooleanField(default=False)
    signed_off_by = models.CharField(max_length=150, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title


RISK_DECISIONS = [
    ("pending", "Awaiting decision"),
    ("approved", "Approved"),
    ("approved-with-conditions", "Approved with conditions"),
    ("rejected", "Not approved"),
]


class RiskAssessment(models.Model):
    """A risk assessment for a new technology or online service (e.g. a generative AI tool)."""

    title = models.CharField(max_length=200)
    technology = models.CharField(max_length=200)
    purpose = models.TextField(blank=True)
    risks = models.JSONField(default=list, help_text="[{risk, likelihood, impact, mitigation}]")
    decision = models.CharField(max_length=30, choices=RISK_DECISIONS, default="pending")
    approver = models.CharField(max_length=160, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    review_on = models.DateField(null=True, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review_on", "-id"]

    def __str__(self) -> str:
        return self.title
