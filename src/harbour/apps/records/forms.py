"""Input forms shared by the web pages and the API: one validation for both."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone

from harbour.apps.people.models import Person
from harbour.apps.records import access, flowchart, vocab
from harbour.apps.records.service import Report, policy_or_none
from harbour.policy.model import ACTION_TITLES


def find_person(text: str) -> Person:
    """A person by external id (UPN, staff code) or username."""
    text = text.strip()
    found = (
        Person.objects.filter(external_id=text).first()
        or Person.objects.filter(username=text).first()
    )
    if found is None:
        raise forms.ValidationError(f"nobody in the directory has the id or username {text!r}")
    return found


def _people(value: Any) -> list[Person]:
    items = value if isinstance(value, list | tuple) else str(value or "").split(",")
    return [find_person(str(item)) for item in items if str(item).strip()]


class PeopleField(forms.Field):
    """Comma-separated ids or usernames (a list in JSON)."""

    def to_python(self, value: Any) -> list[Person]:
        return _people(value)


def incident_type_choices() -> list[tuple[str, str]]:
    """Rows of the policy's sanctions matrices, pupils' first."""
    policy = policy_or_none()
    choices = [("", "— not yet known —")]
    if policy is not None:
        seen = {}
        for matrix in (policy.sanctions.pupils, policy.sanctions.staff):
            for key, row in matrix.items():
                seen.setdefault(key, row.title)
        choices += list(seen.items())
    return choices


class _DetailsBase(forms.Form):
    """What a record says: the four Cs, risk, severity, place, incident type."""

    four_cs = forms.MultipleChoiceField(
        choices=vocab.FOUR_CS, widget=forms.CheckboxSelectMultiple, label="Which of the four Cs"
    )
    risk_category = forms.ChoiceField(
        choices=[("", "— choose —"), *vocab.RISK_CATEGORIES], label="Risk"
    )
    severity = forms.TypedChoiceField(choices=vocab.SEVERITIES, coerce=int, initial=3)
    location = forms.CharField(max_length=200, required=False, label="Where")
    incident_type = forms.ChoiceField(choices=(), required=False, label="Incident type (policy)")
    nude_image_suspected = forms.BooleanField(
        required=False, label="Suspected nude or semi-nude image of a child"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["incident_type"].choices = incident_type_choices()


class ReportForm(_DetailsBase):
    """What anyone who reports a concern fills in."""

    kind = forms.ChoiceField(choices=vocab.KIND_CHOICES, initial=vocab.CONCERN)
    what_happened = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
        label="What happened (facts, words used)",
    )
    occurred_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=[
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M:%S%z",
            "%Y-%m-%dT%H:%M:%S.%f%z",
        ],
    )
    victims = PeopleField(
        required=False, label="Child(ren) at risk / victims (ids or usernames, comma separated)"
    )
    instigators = PeopleField(
        required=False, label="Instigators (for an allegation: the member of staff)"
    )
    witnesses = PeopleField(required=False, label="Witnesses")
    confirm_not_viewed = forms.BooleanField(
        required=False, label="I have not viewed, copied or saved the imagery"
    )
    confirm_device_secured = forms.BooleanField(
        required=False, label="The device is secured (nothing deleted)"
    )
    follows = forms.IntegerField(required=False, widget=forms.HiddenInput, label="Follows record")

    field_order = [
        "kind",
        "what_happened",
        "occurred_at",
        "location",
        "victims",
        "instigators",
        "witnesses",
        "four_cs",
        "risk_category",
        "severity",
        "incident_type",
        "nude_image_suspected",
        "confirm_not_viewed",
        "confirm_device_secured",
    ]

    def clean_occurred_at(self) -> Any:
        value = self.cleaned_data["occurred_at"]
        if value and value > timezone.now() + timezone.timedelta(minutes=5):
            raise forms.ValidationError("this is in the future")
        return value

    def report(self, user: Any = None) -> Report:
        """The validated report; a follow-up names a record ``user`` may see (else 404)."""
        data = self.cleaned_data
        people = [
            (p, part)
            for part, key in (
                ("victim", "victims"),
                ("instigator", "instigators"),
                ("witness", "witnesses"),
            )
            for p in data[key]
        ]
        confirmations = [
            key
            for key, flag in (
                ("imagery-not-viewed", "confirm_not_viewed"),
                ("device-secured", "confirm_device_secured"),
            )
            if data[flag]
        ]
        return Report(
            kind=data["kind"],
            what_happened=data["what_happened"],
            occurred_at=data["occurred_at"],
            risk_category=data["risk_category"],
            four_cs=data["four_cs"],
            severity=data["severity"],
            location=data["location"],
            incident_type=data["incident_type"],
            nude_image_suspected=data["nude_image_suspected"],
            people=people,
            confirmations=confirmations if data["nude_image_suspected"] else [],
            follows=access.get_record(user, data["follows"]) if data.get("follows") else None,
        )


class DetailsForm(_DetailsBase):
    """The DSL's changes to a record's details."""

    technical = forms.BooleanField(required=False, label="Technical incident (IT staff can see it)")


class PersonForm(forms.Form):
    """Add a person (by id or username) with their part."""

    person = forms.CharField(max_length=150, label="Id or username")
    part = forms.ChoiceField(choices=vocab.PART_CHOICES)

    def clean_person(self) -> Person:
        return find_person(self.cleaned_data["person"])


class StepForm(forms.Form):
    """Answer one flowchart step."""

    step = forms.ChoiceField(choices=[(k, s.text) for k, s in flowchart.STEPS.items()])
    answer = forms.ChoiceField(choices=[("done", "Done"), ("yes", "Yes"), ("no", "No")])
    on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(max_length=120, required=False)
    note = forms.CharField(required=False, max_length=2000)


class StatusForm(forms.Form):
    """Open or close a record; closing needs an outcome and a reason."""

    status = forms.ChoiceField(choices=[(vocab.OPEN, "Open"), (vocab.CLOSED, "Closed")])
    outcome = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason for closing",
    )


def _find_user(username: str) -> User | None:
    if not username.strip():
        return None
    found = User.objects.filter(username=username.strip(), is_active=True).first()
    if found is None:
        raise forms.ValidationError(f"no login called {username!r}")
    return found


class PlanForm(forms.Form):
    """An action's owner and due date."""

    owner = forms.CharField(max_length=150, required=False, label="Owner (username)")
    due_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_owner(self) -> User | None:
        return _find_user(self.cleaned_data["owner"])


class ActionForm(PlanForm):
    """An action the policy did not recommend, with the reason for it."""

    code = forms.ChoiceField(
        choices=[*ACTION_TITLES.items(), (vocab.OTHER_ACTION, "Other (describe)")]
    )
    title = forms.CharField(max_length=200, required=False)
    person = forms.CharField(max_length=150, required=False, label="About (id or username)")
    reason = forms.CharField(max_length=2000, label="Why (not recommended by the policy)")

    def clean_person(self) -> Person | None:
        text = self.cleaned_data["person"]
        return find_person(text) if text.strip() else None


class FinishForm(forms.Form):
    """An action done, or not done with the reason."""

    status = forms.ChoiceField(choices=[(vocab.DONE, "Done"), (vocab.DECLINED, "Not done")])
    done_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=2000, required=False)
    reference = forms.CharField(max_length=120, required=False)


class RestoreForm(forms.Form):
    """The date removed network access was given back."""

    on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class NoteForm(forms.Form):
    """A note on a record."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=20000)


class LinkForm(forms.Form):
    """Link another record (by number) or a monitoring alert (by id)."""

    record = forms.IntegerField(required=False, label="Record number")
    alert_id = forms.CharField(max_length=40, required=False, label="Alert id")
    summary = forms.CharField(max_length=300, required=False)
    reason = forms.CharField(max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("record")) == bool(data.get("alert_id")):
            raise forms.ValidationError("give a record number or an alert id")
        return data


class EvidenceForm(forms.Form):
    """A web address, a screenshot or a file."""

    kind = forms.ChoiceField(choices=vocab.EVIDENCE_KINDS)
    url = forms.URLField(required=False, max_length=2000, assume_scheme="https")
    file = forms.FileField(required=False)
    description = forms.CharField(max_length=300, required=False)


class HandOverForm(forms.Form):
    """Who an evidence item was handed to."""

    to_whom = forms.CharField(max_length=200)
    note = forms.CharField(max_length=300, required=False)


class ReviewForm(forms.Form):
    """A two-person review of material."""

    reviewer_one = forms.CharField(max_length=150)
    reviewer_two = forms.CharField(max_length=150)
    computer = forms.CharField(max_length=150, label="Computer used")
    reason_for_concern = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
    conclusion = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
    reviewed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class ShareForm(forms.Form):
    """Share a record with the headteacher, or stop sharing it."""

    shared = forms.BooleanField(required=False)


class TransferForm(forms.Form):
    """A safeguarding file sent to a pupil's new school."""

    destination = forms.CharField(max_length=200, label="Receiving school")
    sent_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class ReceiptForm(forms.Form):
    """The receiving school confirmed receipt."""

    confirmed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class DeleteForm(forms.Form):
    """Why a record is deleted at the end of its retention."""

    reason = forms.CharField(max_length=300)
