"""The school's directory: pupils, staff, governors and visitors."""

from __future__ import annotations

from django.db import models

from harbour.policy.model import Policy

KIND_CHOICES = [("pupil", "Pupil"), ("staff", "Staff"), ("governor", "Governor"), ("visitor", "Visitor")]


class Person(models.Model):
    """Someone the policy applies to. Filtering groups are derived, never stored."""

    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    external_id = models.CharField(max_length=40, unique=True, help_text="UPN for pupils, staff code for staff")
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    preferred_name = models.CharField(max_length=80, blank=True)
    year = models.SmallIntegerField(null=True, blank=True)
    class_name = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    leave_date = models.DateField(null=True, blank=True)
    username = models.CharField(max_length=150, unique=True, null=True, blank=True)
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=20, blank=True, help_text="staff role: staff, dsl, deputy-dsl, ...")
    nominated_groups = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "last_name", "first_name"]
        indexes = [models.Index(fields=["kind", "year"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.first_name} {self.last_name}"

    def filter_groups(self, policy: Policy) -> frozenset[str]:
        """The policy groups this person is filtered as: by kind and year, plus nominations."""
        groups: set[str] = set()
        for name, group in policy.groups.items():
            if group.nominated:
                if name in self.nominated_groups:
                    groups.add(name)
            elif group.kind == self.kind and (not group.years or self.year in group.years):
                groups.add(name)
        return frozenset(groups)
