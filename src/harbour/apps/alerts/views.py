"""Triage pages for the DSL and deputies: the queue, an alert, and the actions on it."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from harbour.apps.accounts.gate import can, require
from harbour.apps.alerts import triage
from harbour.apps.alerts.models import (
    OPEN_STATUSES,
    OUTCOME_CHOICES,
    Alert,
    IgnoreRule,
    Notification,
)
from harbour.apps.audit.chain import record, snapshot
from harbour.monitoring.lexicon import CATEGORIES

VIEWS = {
    "open": ("Open alerts", OPEN_STATUSES),
    "closed": ("Closed alerts", ("closed", "false-positive")),
    "all": ("All alerts", None),
}


@require("monitoring.triage")
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Alerts, most severe first and then oldest first: the order the DSL works in."""
    show = request.GET.get("show", "open")
    title, statuses = VIEWS.get(show, VIEWS["open"])
    alerts = Alert.objects.select_related("person").order_by("-severity", "first_seen")
    if statuses is not None:
        alerts = alerts.filter(status__in=statuses)
    category = request.GET.get("category", "")
    if category in CATEGORIES:
        alerts = alerts.filter(category=category)
    least = request.GET.get("severity", "")
    if least in {"2", "3", "4", "5"}:
        alerts = alerts.filter(severity__gte=int(least))
    page = Paginator(alerts, 50).get_page(request.GET.get("page"))
    # The queue names pupils and their risk categories: reading it is audited too.
    record(
        request.user,
        "list",
        ("alerts.alert", ""),
        summary=f"alert queue: {show}, page {page.number}, {len(page.object_list)} shown",
    )
    return render(
        request,
        "harbour/alerts/queue.html",
        {
            "page": page,
            "title": title,
            "show": show,
            "views": VIEWS,
            "categories": [(c, c.replace("_", " ")) for c in CATEGORIES],
            "category": category,
            "severity": least,
        },
    )


@require("monitoring.triage")
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One alert with its evidence. Every opening is audited."""
    alert = get_object_or_404(Alert.objects.select_related("person"), pk=pk)
    triage.read(alert, request.user)
    return render(
        request,
        "harbour/alerts/detail.html",
        {
            "alert": alert,
            "notifications": alert.notifications.all(),
            "outcomes": OUTCOME_CHOICES,
            "chronology": _chronology_url(request, alert),
        },
    )


def _chronology_url(request: HttpRequest, alert: Alert) -> str:
    """The person's safeguarding chronology, when the records area is there and may be read."""
    from django.urls import NoReverseMatch, reverse

    if alert.person_id is None or not can(request.user, "records.transfer"):
        return ""
    try:
        return reverse("records:chronology", kwargs={"person_pk": alert.person_id})
    except NoReverseMatch:
        return ""


ACTIONS = {
    "acknowledge": lambda a, r: triage.acknowledge(a, r.user),
    "false-positive": lambda a, r: triage.mark_false_positive(
        a, r.user, r.POST.get("note", ""), r.POST.get("ignore_term", "")
    ),
    "escalate": lambda a, r: triage.escalate(a, r.user, r.POST.get("note", "")),
    "call": lambda a, r: triage.record_call(
        a, r.user, r.POST.get("call", ""), r.POST.get("result", "")
    ),
    "close": lambda a, r: triage.close(
        a, r.user, r.POST.get("outcome", ""), r.POST.get("note", "")
    ),
}
DONE = {
    "acknowledge": "Acknowledged.",
    "false-positive": "Marked as a false positive.",
    "escalate": "Escalated.",
    "close": "Closed.",
    "call": "Call recorded.",
}


@require("monitoring.triage")
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Acknowledge, mark false positive, escalate or close; back to the alert with a message."""
    alert = get_object_or_404(Alert, pk=pk)
    if action not in ACTIONS:
        return HttpResponse(status=404)
    try:
        ACTIONS[action](alert, request)
    except triage.TriageError as error:
        messages.error(request, f"Not done: {error}.")
    else:
        messages.success(request, DONE[action])
    return redirect("alert", pk=alert.pk)


@require("monitoring.triage")
def ignore_rules(request: HttpRequest) -> HttpResponse:
    """The school's own ignore rules; a rule can be switched off again."""
    if request.method == "POST":
        rule_id = request.POST.get("rule", "")
        rule = get_object_or_404(
            IgnoreRule, pk=int(rule_id) if rule_id.isdigit() else 0, active=True
        )
        before = snapshot(rule)
        rule.active = False
        rule.save(update_fields=["active"])
        record(
            request.user,
            "deactivate",
            rule,
            summary=f"ignore rule {rule.term!r} switched off",
            before=before,
            after=snapshot(rule),
        )
        messages.success(request, f"{rule.term!r} will alert again.")
        return redirect("alert-ignore-rules")
    rules = IgnoreRule.objects.filter(active=True).select_related("created_by")
    return render(request, "harbour/alerts/ignore_rules.html", {"rules": rules})


STUCK_AFTER = timedelta(minutes=2)


def stuck_notifications() -> QuerySet[Notification]:
    """Emails and webhooks still unsent well after they were due."""
    return Notification.objects.filter(
        status__in=("pending", "failed"), created_at__lt=timezone.now() - STUCK_AFTER
    )


def open_alert_cards(request: HttpRequest) -> list[dict[str, object]]:
    """Home-page card for the DSL team: open alerts by severity."""
    if not can(request.user, "monitoring.triage"):
        return []
    counts = dict(
        Alert.objects.filter(status__in=OPEN_STATUSES)
        .values_list("severity")
        .annotate(n=Count("id"))
        .values_list("severity", "n")
    )
    total = sum(counts.values())
    text = " · ".join(f"severity {s}: {counts[s]}" for s in sorted(counts, reverse=True))
    worst = max(counts, default=0)
    return stuck_notification_cards() + [
        {
            "title": "Open alerts",
            "value": total,
            "text": text or "No open alerts.",
            "url": "/alerts/",
            "css": f"sev{worst}" if worst >= 4 else "",
        }
    ]


def stuck_notification_cards() -> list[dict[str, object]]:
    """A loud card when alert emails or webhooks wait too long: the worker or mail is down."""
    stuck = stuck_notifications().count()
    if not stuck:
        return []
    return [
        {
            "title": "Alert messages not sent",
            "value": stuck,
            "text": f"waiting more than {STUCK_AFTER.seconds // 60} minutes: check that "
            "'harbour worker' is running and the mail settings are right.",
            "url": "/alerts/",
            "css": "sev5",
        }
    ]
