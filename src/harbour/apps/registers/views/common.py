"""Helpers every register page shares."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest

from harbour.apps.people.models import Person


def person_for(user: Any) -> Person | None:
    """The directory entry of a signed-in user (matched by username), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.filter(username=user.username, active=True).first()


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from (the web server sets REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") or None


def parse_date(text: str, field: str, errors: dict[str, str], required: bool = True) -> date | None:
    """A YYYY-MM-DD form value; a problem goes into ``errors[field]``."""
    text = (text or "").strip()
    if not text:
        if required:
            errors[field] = "enter a date"
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = f"{text!r} is not a date (YYYY-MM-DD)"
        return None


def find_person(
    external_id: str, errors: dict[str, str], field: str = "person", kind: str | None = None
) -> Person | None:
    """A person by external id (UPN or staff code)."""
    people = Person.objects.filter(external_id=(external_id or "").strip())
    if kind:
        people = people.filter(kind=kind)
    person = people.first()
    if person is None:
        errors[field] = f"nobody{' (' + kind + ')' if kind else ''} has the id {external_id!r}"
    return person
