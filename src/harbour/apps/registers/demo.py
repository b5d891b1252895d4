"""Demo data for the sample school: most people have signed, most staff are trained, some
consents, devices, one annual review and a risk assessment. Idempotent."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from harbour.apps.audit.chain import record
from harbour.apps.people.models import Person
from harbour.apps.policies.service import current_policy
from harbour.apps.registers import consent, devices, reviews, training
from harbour.apps.registers.aup import applies_to
from harbour.apps.registers.models import Device, Review, Signature

# One member of staff is a new starter who has not signed yet: the demo shows them restricted.
NEW_STARTER = "S030"


def seed(actor: str) -> None:
    """Add the demo's register records unless they are there already."""
    if Signature.objects.exists():
        return
    policy = current_policy()
    today = timezone.localdate()
    rows = []
    for person in Person.objects.filter(active=True):
        if person.external_id == NEW_STARTER or (person.kind == "pupil" and person.pk % 17 == 0):
            continue
        for key in applies_to(person, policy):
            aup = policy.acceptable_use[key]
            signer = (
                f"Parent of {person.first_name}"
                if aup.audience == "parents"
                else person.display_name
            )
            rows.append(
                Signature(
                    person=person,
                    agreement=key,
                    version=aup.version,
                    method="paper",
                    signer_name=signer,
                    signed_on=today - timedelta(days=30),
                    recorded_by=actor,
                )
            )
    Signature.objects.bulk_create(rows)
    record(
        actor,
        "create",
        ("registers.signature", "demo"),
        summary=f"{len(rows)} demo paper signatures",
        after={"count": len(rows)},
    )
    for index, person in enumerate(
        Person.objects.filter(kind__in=["staff", "governor"], active=True)
    ):
        for duty in training.duties(person, policy, today):
            if index % 7 == 3:
                continue  # a few people are behind, so the compliance view has something to show
            recent = today - timedelta(days=(index * 37) % 300 + 5)
            done_on = recent if duty.requirement.every_months else (person.start_date or recent)
            training.record_completion(
                person,
                training.course_for(duty.key, policy),
                done_on,
                actor,
                provider="Local authority safeguarding team",
            )
    for index, pupil in enumerate(Person.objects.filter(kind="pupil", active=True)[:60]):
        for use, _ in consent.CONSENT_USES:
            consent.set_consent(
                pupil,
                use,
                index % 5 != 0 or use == "newsletter",
                date(today.year, 9, 5),
                f"Parent of {pupil.first_name}",
                actor,
            )
    _seed_devices(actor, policy)
    _seed_reviews(actor, today)


def _seed_devices(actor: str, policy: object) -> None:
    if Device.objects.exists():
        return
    owner = Person.objects.filter(kind="staff", role="it-technician").first()
    rows = [
        {
            "name": "IT office laptop",
            "device_type": "school-single-user",
            "owner": owner,
            "ip": "10.20.0.15",
        },
        {
            "name": "Library PCs",
            "device_type": "school-multi-user",
            "cidr": "10.10.40.0/24",
            "site": "Main site",
        },
        {
            "name": "Visiting speaker laptop",
            "device_type": "visitor-owned",
            "ip": "10.30.0.50",
            "guest": True,
            "expires": timezone.now() + timedelta(days=1),
        },
    ]
    for values in rows:
        clean, errors = devices.clean(values, policy)  # type: ignore[arg-type]
        if not errors:
            devices.save_device(clean, actor)


def _seed_reviews(actor: str, today: date) -> None:
    if Review.objects.exists():
        return
    review = reviews.save_review(
        {
            "title": "Annual filtering and monitoring review",
            "trigger": "annual",
            "held_on": today - timedelta(days=60),
        },
        actor,
    )
    reviews.save_review(
        {
            "participants": [
                {"name": "Jordan Reid", "role": "senior leader"},
                {"name": "Alex Morgan", "role": "DSL"},
                {"name": "Robin Hale", "role": "IT"},
                {"name": "Chris Lowe", "role": "governor"},
            ],
            "checks": {c.key: {"done": True, "notes": ""} for c in reviews.CHECKS},
            "findings": "Filtering matches the policy for every group. Guest Wi-Fi was missing safe search.",
            "actions": [
                {
                    "action": "Turn on safe search for the guest network",
                    "owner": "Robin Hale",
                    "due": (today - timedelta(days=45)).isoformat(),
                }
            ],
            "completed": True,
            "signed_off_by": "jordan.reid",
        },
        actor,
        review,
    )
    reviews.save_assessment(
        {
            "title": "Generative AI writing assistant for staff",
            "technology": "Generative AI chatbot",
            "purpose": "Planning and drafting letters; no pupil data to be entered.",
            "risks": [
                {
                    "risk": "Personal data entered into prompts",
                    "likelihood": "medium",
                    "impact": "high",
                    "mitigation": "Staff guidance and training; school account with data retention off",
                },
                {
                    "risk": "Pupils using it unsupervised",
                    "likelihood": "low",
                    "impact": "medium",
                    "mitigation": "Staff-only access; blocked for pupil groups",
                },
            ],
            "decision": "approved-with-conditions",
            "approver": "Jordan Reid",
            "decided_on": today - timedelta(days=10),
            "review_on": today + timedelta(days=170),
        },
        actor,
    )
