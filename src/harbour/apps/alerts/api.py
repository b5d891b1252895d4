"""``POST /api/monitoring/events``: text events from endpoint agents and integrations.

Body: one JSON object, or a list of them, each with ``text`` and at least one of ``user`` or
``device``; optional ``application``, ``time`` (ISO 8601), ``ip`` and ``title``. Authorised
by ``Authorization: Bearer <token>`` only (tokens from ``harbour alerts token create``), so
there is no cookie to forge and CSRF does not apply.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from harbour.apps.alerts.raising import Subject, raise_alerts_for_texts
from harbour.apps.alerts.tokens import token_from_header

MAX_EVENTS = 500
MAX_TEXT = 10_000
TEXT_FIELDS = ("user", "device", "application", "ip", "title")


class BadEvent(ValueError):
    """An event in the body is not usable; the message names the field."""


def _time(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        raise BadEvent(f"{where}time: expected an ISO 8601 date and time, got {value!r}")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def parse_event(item: Any, where: str = "") -> tuple[Subject, str, str]:
    """Check one event; returns who it is about, its text and its page title."""
    if not isinstance(item, dict):
        raise BadEvent(f"{where.rstrip('.') or 'body'}: expected a JSON object")
    for name in ("text", *TEXT_FIELDS):
        if name in item and item[name] is not None and not isinstance(item[name], str):
            raise BadEvent(f"{where}{name}: expected a string")
    text, title = item.get("text") or "", item.get("title") or ""
    if not text.strip() and not title.strip():
        raise BadEvent(f"{where}text: required")
    if len(text) > MAX_TEXT:
        raise BadEvent(f"{where}text: longer than {MAX_TEXT} characters")
    if not (item.get("user") or item.get("device")):
        raise BadEvent(f"{where}user: required (or device)")
    subject = Subject(
        username=(item.get("user") or "").strip(),
        device=(item.get("device") or "").strip(),
        ip=(item.get("ip") or "").strip(),
        application=(item.get("application") or "").strip()[:200],
        when=_time(item.get("time"), where),
    )
    return subject, text, title


@csrf_exempt
@require_POST
def ingest_events(request: HttpRequest) -> JsonResponse:
    """Classify posted text events; raise and route the alerts they call for."""
    if token_from_header(request.headers.get("Authorization", "")) is None:
        response = JsonResponse({"error": "a valid bearer token is required"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="harbour"'
        return response
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "body: not valid JSON"}, status=400)
    items = body if isinstance(body, list) else [body]
    if len(items) > MAX_EVENTS:
        return JsonResponse({"error": f"body: at most {MAX_EVENTS} events per request"}, status=400)
    try:
        parsed = [
            parse_event(item, f"[{i}]." if isinstance(body, list) else "")
            for i, item in enumerate(items)
        ]
    except BadEvent as error:
        return JsonResponse({"error": str(error)}, status=400)
    for subject, text, title in parsed:
        raise_alerts_for_texts([("text-event", text), ("title", title)], subject)
    return JsonResponse({"accepted": len(parsed)}, status=202)
