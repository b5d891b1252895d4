"""The records REST API: JSON over the same gate, forms and rules as the web pages.

Session authentication (and the second factor for the DSL, deputies and headteacher, which
the middleware enforces); unsafe methods need the CSRF token in ``X-CSRFToken``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_http_methods

from harbour.apps.accounts.gate import can
from harbour.apps.audit.chain import record as audit
from harbour.apps.records import access, evidence, forms, ops, service, stats
from harbour.apps.records.api import openapi, serialize
from harbour.apps.records.models import Evidence
from harbour.apps.records.rules import RuleError


def _json(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, encoder=DjangoJSONEncoder, safe=False)


def api(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """401 for the anonymous and 404 (as JSON) for anything the user may not see."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return _json({"error": "sign in first"}, 401)
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return _json({"error": "not found"}, 404)

    return wrapped


def _body(request: HttpRequest) -> Any:
    if request.content_type == "application/json":
        try:
            return json.loads(request.body or b"{}")
        except ValueError as error:
            raise _BadJson(str(error)) from None
    return request.POST


class _BadJson(ValueError):
    pass


def _refused(errors: dict[str, list[str]], conflict: bool) -> JsonResponse:
    return _json({"errors": errors}, 409 if conflict else 400)


@api
@require_http_methods(["GET", "POST"])
def records(request: HttpRequest) -> HttpResponse:
    """GET: the records the user may see. POST: report a new one."""
    if request.method == "GET":
        if not can(request.user, "safeguarding.report"):
            raise Http404
        rows = access.visible_records(request.user)[:500]
        audit(
            request.user,
            "read",
            ("records.record", "list"),
            summary=f"record list read via API ({len(rows)})",
        )
        return _json({"records": [serialize.summary(r) for r in rows]})
    if not can(request.user, "safeguarding.report"):
        raise Http404
    try:
        form = forms.ReportForm(_body(request))
    except _BadJson as error:
        return _json({"errors": {"__all__": [f"body is not JSON: {error}"]}}, 400)
    if not form.is_valid():
        return _refused({k: list(v) for k, v in form.errors.items()}, False)
    try:
        new = service.report(request.user, form.report(request.user))
    except RuleError as error:
        return _refused({"__all__": [str(error)]}, True)
    return _json(serialize.detail(new, access.sees_full_record(request.user, new)), 201)


@api
@require_GET
def record(request: HttpRequest, pk: int) -> HttpResponse:
    """One record, as much of it as the user may see."""
    rec = access.get_record(request.user, pk, audit_read="api")
    full, technical = (
        access.sees_full_record(request.user, rec),
        access.technical_view(request.user, rec),
    )
    return _json(serialize.detail(rec, full, technical))


@api
@require_http_methods(["POST"])
def operate(request: HttpRequest, pk: int, op: str, target: int | None = None) -> HttpResponse:
    """Run one record operation (see the OpenAPI document for each one's fields)."""
    try:
        data = _body(request)
    except _BadJson as error:
        return _json({"errors": {"__all__": [f"body is not JSON: {error}"]}}, 400)
    outcome = ops.perform(request.user, pk, op, data, request.FILES, target)
    if not outcome.ok:
        return _refused(outcome.errors or {}, outcome.conflict)
    return _json(serialize.detail(outcome.record, True), 200)


@api
@require_GET
def download(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """An evidence file's bytes (custody event and audit entry recorded)."""
    rec = access.get_record(request.user, pk)
    if not access.sees_full_record(request.user, rec):
        raise Http404
    found = Evidence.objects.filter(record=rec, pk=item).first()
    if found is None:
        raise Http404
    try:
        data = evidence.open_evidence(request.user, found)
    except (RuleError, ValueError, OSError) as error:  # refused, altered or missing file
        return _refused({"__all__": [str(error)]}, True)
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="evidence-{found.pk}"'
    return response


@api
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    """Anonymised counts (governors and senior leaders)."""
    if not can(request.user, "reports.governors"):
        raise Http404
    audit(
        request.user,
        "read",
        ("records.record", "aggregates"),
        summary="anonymised figures read via API",
    )
    return _json(stats.aggregates())


@require_GET
def schema(request: HttpRequest) -> HttpResponse:
    """The OpenAPI 3.1 document (no data in it, so no sign-in needed)."""
    return _json(openapi.document())
