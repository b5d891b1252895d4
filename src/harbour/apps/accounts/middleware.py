"""Hold users of the safeguarding roles at the second-factor page until they pass it."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from harbour.apps.accounts.gate import api_refusal, is_api, needs_second_factor

SESSION_FLAG = "harbour_2fa_ok"
# The ingest API is authorised by a bearer token, never by the session.
_OPEN_PREFIXES = (
    "/login/",
    "/logout/",
    "/2fa/",
    "/static/",
    "/assets/",
    "/blocked",
    "/api/monitoring/events",
)
SECOND_FACTOR_MISSING = (
    "second factor required: this account reads safeguarding records, so sign in at /2fa/ "
    "with the authenticator code in this session before using the API"
)


class SecondFactorMiddleware:
    """Redirects to ``/2fa/`` while a DSL, deputy or headteacher session lacks a second factor;
    the JSON API answers 401 with the reason instead, since a client cannot follow a form."""

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
            if is_api(request):
                return api_refusal(401, SECOND_FACTOR_MISSING)
            return redirect("/2fa/?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)
