"""The request forms: a temporary unblock, and an edit to one of the school's own lists."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from harbour.apps.people.models import Person
from harbour.apps.webfilter.models import TARGET_CHOICES
from harbour.apps.webfilter.rules import clean_domain, requestable_categories
from harbour.apps.webfilter.service import PERIODS, RequestRefused, period_for
from harbour.policy.model import Policy

_WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_NO_NAMES = "Do not name pupils: say what the lesson needs."


def _domain_field(form: forms.Form) -> str:
    try:
        return clean_domain(form.cleaned_data.get("domain") or "")
    except ValueError as exc:
        form.add_error("domain", str(exc))
        return ""


class UnblockForm(forms.Form):
    """Ask for a site or a category to be unblocked for groups or a class, for a period."""

    target_kind = forms.ChoiceField(
        label="Unblock", choices=TARGET_CHOICES, initial="domain", widget=forms.RadioSelect
    )
    domain = forms.CharField(label="Site", required=False, max_length=255)
    category = forms.ChoiceField(label="Category", required=False)
    groups = forms.MultipleChoiceField(
        label="For these groups", required=False, widget=forms.CheckboxSelectMultiple
    )
    class_name = forms.ChoiceField(label="Or for this class", required=False)
    period = forms.ChoiceField(
        choices=list(PERIODS.items()), initial="lesson", widget=forms.RadioSelect
    )
    starts = forms.DateTimeField(label="From", required=False, widget=_WHEN)
    ends = forms.DateTimeField(label="To", required=False, widget=_WHEN)
    reason = forms.CharField(
        label="Why is it needed?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_NO_NAMES,
    )
    blocked_url = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def __init__(self, policy: Policy, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.fields["category"].choices = [("", "choose a category")] + requestable_categories(
            policy
        )
        self.fields["groups"].choices = [
            (name, group.title or name) for name, group in policy.groups.items()
        ]
        classes = (
            Person.objects.filter(kind="pupil", active=True)
            .exclude(class_name="")
            .values_list("class_name", flat=True)
            .distinct()
            .order_by("class_name")
        )
        self.fields["class_name"].choices = [("", "no class")] + [(c, c) for c in classes]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("target_kind") == "category":
            data["target"] = data.get("category") or ""
            if not data["target"]:
                self.add_error("category", "choose the category to unblock")
        else:
            data["target"] = _domain_field(self)
        if not data.get("groups") and not data.get("class_name"):
            self.add_error("groups", "choose at least one group, or a class")
        if data.get("period"):
            try:
                data["window"] = period_for(
                    data["period"], timezone.now(), data.get("starts"), data.get("ends")
                )
            except RequestRefused as exc:
                self.add_error("ends" if data["period"] == "custom" else "period", str(exc))
        return data

    def request_fields(self) -> dict[str, Any]:
        """The cleaned form as :func:`service.submit` keyword arguments."""
        data = self.cleaned_data
        return {
            "kind": "unblock",
            "target_kind": data["target_kind"],
            "target": data["target"],
            "groups": list(data.get("groups") or []),
            "class_name": data.get("class_name") or "",
            "starts": data["window"].starts,
            "expires": data["window"].expires,
            "reason": data["reason"].strip(),
            "blocked_url": data.get("blocked_url") or "",
        }


class ListEditForm(forms.Form):
    """Propose adding a site to one of the policy's ``[local_lists]``."""

    list_name = forms.ChoiceField(label="List")
    domain = forms.CharField(label="Site", max_length=255)
    reason = forms.CharField(
        label="Why?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_NO_NAMES,
    )

    def __init__(self, policy: Policy, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["list_name"].choices = [
            (name, f"{local.title or name} ({local.usage})")
            for name, local in policy.local_lists.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["target"] = _domain_field(self)
        return data
