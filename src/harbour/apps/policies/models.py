"""Every version of the policy file the school has adopted."""

from __future__ import annotations

from django.db import models


class PolicyVersion(models.Model):
    """One adopted policy file. Exactly one is active; old ones are kept for the record."""

    version = models.CharField(max_length=20)
    text = models.TextField()
    source = models.CharField(max_length=300, blank=True)
    adopted_at = models.DateTimeField(auto_now_add=True)
    adopted_by = models.CharField(max_length=150, blank=True)
    active = models.BooleanField(default=False)

    class Meta:
        ordering = ["-adopted_at", "-id"]

    def __str__(self) -> str:
        return f"policy {self.version}"
