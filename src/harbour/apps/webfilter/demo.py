"""Demo data: a few unblock requests in each state, made through the real service."""

from __future__ import annotations

from typing import Any

from django.utils import timezone


def seed_requests(actor: Any) -> None:
    """A pending request, an approved unblock in force, a refusal and an allow-list addition
    (once: skipped when any request exists)."""
    from django.contrib.auth import get_user_model

    from harbour.apps.webfilter import service
    from harbour.apps.webfilter.models import FilterRequest

    if FilterRequest.objects.exists():
        return
    users = get_user_model().objects.in_bulk(
        ["taylor.brooks", "casey.nwosu", "robin.hale", "alex.morgan"], field_name="username"
    )
    if len(users) < 4:
        return
    teacher, other, it, dsl = (
        users[n] for n in ["taylor.brooks", "casey.nwosu", "robin.hale", "alex.morgan"]
    )
    today = service.period_for("today", timezone.now())
    week = service.period_for("week", timezone.now())
    approved = service.submit(
        teacher,
        kind="unblock",
        target_kind="domain",
        target="blocked.example.org",
        groups=["pupils-ks2"],
        starts=today.starts,
        expires=today.expires,
        reason="Year 5 science: the volcano simulation is on this site.",
        blocked_url="http://blocked.example.org/volcano-simulator",
    )
    service.decide(approved, it, True, "Checked the site: fine for today's lesson.")
    refused = service.submit(
        other,
        kind="unblock",
        target_kind="category",
        target="games",
        groups=["pupils-ks1"],
        starts=week.starts,
        expires=week.expires,
        reason="Golden time on Friday.",
    )
    service.decide(refused, dsl, False, "Please use the educational games list instead.")
    service.submit(
        teacher,
        kind="unblock",
        target_kind="category",
        target="audio-video",
        groups=[],
        class_name="6A",
        starts=week.starts,
        expires=week.expires,
        reason="Class 6A is making a film this week and needs the video sites.",
    )
    addition = service.submit(
        it,
        kind="list-add",
        target_kind="domain",
        target="maths.example.org",
        list_name="school-allow",
        reason="The maths scheme the school subscribes to.",
    )
    service.decide(addition, dsl, True, "Agreed.")
