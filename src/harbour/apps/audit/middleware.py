"""Tag every audit entry written while serving a request with that request's id."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from harbour.apps.audit.chain import request_id


class RequestIdMiddleware:
    """Groups a request's audit entries, as a change set."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_id.set(secrets.token_hex(8))
        try:
            return self.get_response(request)
        finally:
            request_id.reset(token)
