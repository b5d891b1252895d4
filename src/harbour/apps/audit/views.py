"""The audit log, for the DSL and the headteacher."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from harbour.apps.accounts.gate import require
from harbour.apps.audit.chain import verify
from harbour.apps.audit.models import AuditEntry


@require("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    """Newest entries first, with the state of the chain."""
    entries = AuditEntry.objects.order_by("-seq")
    who = request.GET.get("actor", "").strip()
    if who:
        entries = entries.filter(actor=who)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(request, "harbour/audit.html", {"page": page, "chain": verify(), "actor": who})
