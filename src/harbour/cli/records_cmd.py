"""``harbour records``: the retention review list and overdue actions, from the command line;
and the demo's sample safeguarding records."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from typing import Any

from harbour.cli import demo_cmd
from harbour.cli.django_env import setup_django


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``records`` command group."""
    records = sub.add_parser(
        "records", help="safeguarding records: retention review, overdue actions"
    )
    actions = records.add_subparsers(dest="records_command", metavar="ACTION", required=True)
    due = actions.add_parser(
        "due", help="closed records whose retention period has ended (numbers only)"
    )
    due.add_argument(
        "--on",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="as if today were this date",
    )
    due.set_defaults(func=_due)
    overdue = actions.add_parser("overdue", help="actions past their due date (numbers only)")
    overdue.set_defaults(func=_overdue)


def _due(args: argparse.Namespace) -> int:
    setup_django(migrate=True)
    from harbour.apps.records.retention import due_for_review

    due = due_for_review(args.on)
    for item in due:
        print(f"{item.record}\tkeep until {item.keep_until}")
    print(
        f"{len(due)} record(s) due for retention review; the DSL deletes them at /records/retention/"
    )
    return 0


def _overdue(args: argparse.Namespace) -> int:
    setup_django(migrate=True)
    from harbour.apps.records.service import overdue_actions

    late = overdue_actions()
    for action in late:
        print(
            f"{action.record}\t{action.title}\tdue {action.due_on}\towner {getattr(action.owner, 'username', '-')}"
        )
    print(f"{len(late)} overdue action(s)")
    return 1 if late else 0


def seed_demo_records(actor: Any) -> None:
    """A few fictional records for the sample school (once; the demo may run again)."""
    from django.contrib.auth.models import User
    from django.test import override_settings
    from django.utils import timezone

    from harbour.apps.people.models import Person
    from harbour.apps.records import service
    from harbour.apps.records.models import Record

    teacher = User.objects.filter(username="taylor.brooks").first() or actor
    if Record.objects.filter(reporter_name=getattr(teacher, "username", teacher)).exists():
        return  # seeded before (other areas may have added records since)
    dsl = User.objects.filter(username="alex.morgan").first() or actor
    pupils = list(Person.objects.filter(kind="pupil", year__gte=4).order_by("external_id")[:3])
    staff = Person.objects.filter(kind="staff", role="staff").order_by("external_id").last()
    if len(pupils) < 3 or staff is None:
        return
    now = timezone.now()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        bullying = service.report(
            teacher,
            service.Report(
                kind="incident",
                what_happened="Unkind messages about a classmate in the class group chat, shown to "
                "me at break.",
                occurred_at=now - timedelta(days=3),
                risk_category="bullying",
                four_cs=["conduct"],
                severity=3,
                location="Playground",
                incident_type="offensive-messages",
                people=[(pupils[0], "victim"), (pupils[1], "instigator")],
            ),
        )
        service.transition(dsl, bullying, "open")
        first = bullying.actions.order_by("id").first()
        if first is not None:
            owner = dsl if isinstance(dsl, User) else None
            service.plan_action(dsl, first, owner, (now - timedelta(days=1)).date())
        service.report(
            teacher,
            service.Report(
                kind="incident",
                what_happened="A pupil's laptop showed a page from a blocked illegal-content list "
                "during a lesson. Screen covered, laptop taken to the office.",
                occurred_at=now - timedelta(hours=2),
                risk_category="illegal",
                four_cs=["content"],
                severity=5,
                location="Classroom 5A",
                people=[(pupils[2], "instigator")],
            ),
        )
        service.report(
            teacher,
            service.Report(
                kind="allegation",
                what_happened="A parent says a member of staff messaged their child from a "
                "personal account.",
                occurred_at=now - timedelta(days=1),
                risk_category="grooming",
                four_cs=["contact"],
                severity=4,
                incident_type="pupil-contact",
                people=[(staff, "instigator")],
            ),
        )


if seed_demo_records not in demo_cmd.demo_seeders:
    demo_cmd.demo_seeders.append(seed_demo_records)
