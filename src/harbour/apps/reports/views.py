"""The reports in the web UI, as pages and as PDF downloads."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe

from harbour.apps.accounts.gate import require
from harbour.apps.audit.chain import record
from harbour.apps.policies.service import current_policy
from harbour.apps.reports import render as rendering
from harbour.apps.reports.governors import build_governors
from harbour.apps.reports.period import Period, last_week, term_containing
from harbour.apps.reports.weekly import build_weekly


def _period(request: HttpRequest, default: Period) -> tuple[Period, str]:
    try:
        start = date.fromisoformat(request.GET["from"]) if request.GET.get("from") else default.start
        end = date.fromisoformat(request.GET["to"]) if request.GET.get("to") else default.end
        return Period(start, end, default.zone), ""
    except ValueError as exc:
        return default, f"That period cannot be used: {exc}. Showing {default.label()} instead."


def _respond(request: HttpRequest, kind: str, title: str, report: object, period: Period, error: str) -> HttpResponse:
    if request.GET.get("format") == "pdf":
        record(request.user, "export", ("reports." + kind, f"{period.start}..{period.end}"), summary=f"{title} PDF")
        response = HttpResponse(rendering.pdf_bytes(kind, report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{kind}-{period.start}-{period.end}.pdf"'
        return response
    record(request.user, "read", ("reports." + kind, f"{period.start}..{period.end}"), summary=title)
    body = mark_safe(rendering.body_html(kind, report))  # noqa: S308 - autoescaped template output
    return render(request, "harbour/reports/page.html", {"title": title, "body": body, "period": period, "error": error})


@require("reports.weekly")
def weekly(request: HttpRequest) -> HttpResponse:
    """The weekly filtering and monitoring report (last week unless a period is given)."""
    policy = current_policy()
    period, error = _period(request, last_week(timezone.localdate(), policy.zone()))
    # reports.weekly is held only by the roles allowed to see names (DSL team, headteacher).
    report = build_weekly(policy, period, show_names=True)
    return _respond(request, "weekly", "Weekly filtering and monitoring report", report, period, error)


@require("reports.governors")
def governors(request: HttpRequest) -> HttpResponse:
    """The governors' report (this term unless a period is given)."""
    policy = current_policy()
    period, error = _period(request, term_containing(timezone.localdate(), policy.zone()))
    report = build_governors(policy, period)
    return _respond(request, "governors", "Online safety report to governors", report, period, error)
