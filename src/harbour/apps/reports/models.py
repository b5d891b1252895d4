"""Reports generated and sent, and filter self-test results."""

from __future__ import annotations

from django.db import models

KIND_CHOICES = [("weekly", "Weekly filtering and monitoring report"), ("governors", "Governors' report")]


class ReportRun(models.Model):
    """One generated report file: its period, fingerprint and who it went to."""

    kind = models.CharField(max_length=12, choices=KIND_CHOICES)
    period_start = models.DateField()
    period_end = models.DateField()
    generated_at = models.DateTimeField(auto_now_add=True)
    generated_by = models.CharField(max_length=150, blank=True)
    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=400, blank=True)
    sent_to = models.JSONField(default=list, blank=True)
    scheduled = models.BooleanField(default=False)

    class Meta:
        ordering = ["-generated_at"]
        indexes = [models.Index(fields=["kind", "period_start"], name="reportrun_period")]


class SelfTestRun(models.Model):
    """A run of ``harbour filter selftest``: every check and whether all passed."""

    ran_at = models.DateTimeField(auto_now_add=True)
    ran_by = models.CharField(max_length=150, blank=True)
    passed = models.BooleanField()
    checks = models.JSONField(default=list)
    summary = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-ran_at"]
