"""A user's role in Harbour and their second factor."""

from __future__ import annotations

from django.conf import settings
from django.db import models

ROLE_CHOICES = [
    ("dsl", "Designated Safeguarding Lead"),
    ("deputy-dsl", "Deputy DSL"),
    ("headteacher", "Headteacher"),
    ("it-technician", "IT technician"),
    ("staff", "Staff"),
    ("governor", "Governor"),
]


class Profile(models.Model):
    """Harbour's facts about a login: the role that decides what it may do."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(max_length=20, choices=ROLE_CHOICES, default="staff")
    totp_secret = models.CharField(max_length=255, blank=True)  # sealed: see sealing.py
    totp_confirmed = models.BooleanField(default=False)
    last_totp_step = models.BigIntegerField(default=0)  # refuses a code used twice

    def __str__(self) -> str:
        return f"{self.user.username} ({self.role})"
