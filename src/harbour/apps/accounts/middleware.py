"""Hold users of the safeguarding roles at the second-factor page until they pass it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from harbour.apps.accounts.gate import needs_second_factor

SESSION_FLAG = "harbour_2fa_ok"
_OPEN_PREFIXES = ("/login/", "/logout/", "/2fa/", "/static/", "/blocked")


class SecondFactorMiddleware:
    """Redirects to ``/2fa/`` while a DSL, deputy or headteacher session lacks a second factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.session.get(SESSION_FLAG)
            and needs_second_factor(user)
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            return redirect(f"/2fa/?next={request.get_full_path()}")
        return self.get_response(request)
