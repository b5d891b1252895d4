"""Demo alerts for the sample school: a short, realistic week for the DSL's queue."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from harbour.apps.alerts.classify import Finding
from harbour.apps.alerts.models import Alert, Notification
from harbour.apps.alerts.raising import Subject, raise_alert

# (days ago, category, severity, source, matched, context, application)
DEMO = [
    (4, "gambling", 2, "url", "free spins", "casino free spins no deposit", ""),
    (
        2,
        "bullying",
        3,
        "text-event",
        "nobody likes you",
        "just leave the group chat nobody likes you anyway",
        "Class chat",
    ),
    (1, "self_harm", 4, "search", "hide cuts", "how to hide cuts from my mum", ""),
    (0, "violence", 3, "search", "knife", "where can i buy a knife near me", ""),
]


def seed(actor: str) -> None:
    """Raise the demo alerts for the first sample pupils, once; nobody is emailed about them."""
    from harbour.apps.people.models import Person

    if Alert.objects.exists():
        return
    pupils = list(
        Person.objects.filter(kind="pupil", active=True)
        .exclude(username=None)
        .order_by("-year", "last_name")[: len(DEMO)]
    )
    now = timezone.now()
    raised = []
    for pupil, (days, category, severity, source, matched, context, app) in zip(
        pupils, DEMO, strict=False
    ):
        subject = Subject(
            username=pupil.username or "",
            device=f"CB-{pupil.pk:03d}",
            ip=f"10.20.0.{pupil.pk % 250 + 2}",
            application=app,
            when=now - timedelta(days=days, hours=2),
        )
        raised.append(raise_alert(subject, Finding(category, severity, matched, context, source)))
    Notification.objects.filter(alert__in=raised).delete()  # demo mail would go nowhere
