"""The permission gate: the one place that says which role may do what.

Views, the API and commands ask :func:`can`; nothing else compares role names.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

SAFEGUARDING_ROLES = frozenset({"dsl", "deputy-dsl"})
SECOND_FACTOR_ROLES = frozenset({"dsl", "deputy-dsl", "headteacher"})

# permission -> roles that hold it
PERMISSIONS: dict[str, frozenset[str]] = {
    "policy.view": frozenset(
        {"dsl", "deputy-dsl", "headteacher", "it-technician", "staff", "governor"}
    ),
    "policy.change": frozenset({"dsl", "headteacher", "it-technician"}),
    "people.view": frozenset({"dsl", "deputy-dsl", "headteacher", "it-technician"}),
    "people.import": frozenset({"dsl", "headteacher", "it-technician"}),
    "audit.view": frozenset({"dsl", "headteacher"}),
    "audit.verify": frozenset({"dsl", "headteacher", "it-technician"}),
    "filtering.request_unblock": frozenset(
        {"dsl", "deputy-dsl", "headteacher", "it-technician", "staff"}
    ),
    "filtering.approve_unblock": frozenset({"dsl", "deputy-dsl", "it-technician"}),
    "filtering.change_lists": frozenset({"dsl", "it-technician"}),
    "filtering.view_changes": frozenset(
        {"dsl", "deputy-dsl", "headteacher", "it-technician", "governor"}
    ),
    "monitoring.triage": SAFEGUARDING_ROLES,
    "safeguarding.report": frozenset(
        {"dsl", "deputy-dsl", "headteacher", "it-technician", "staff"}
    ),
    "safeguarding.view_all": SAFEGUARDING_ROLES,
    "records.manage": SAFEGUARDING_ROLES,
    "records.manage_allegations": frozenset({"dsl", "deputy-dsl", "headteacher"}),
    "records.view_allegations": frozenset({"dsl", "deputy-dsl", "headteacher"}),
    "records.view_shared": frozenset({"headteacher"}),
    "records.view_technical": frozenset({"it-technician"}),
    "records.delete": frozenset({"dsl"}),
    "records.transfer": SAFEGUARDING_ROLES,
    "reports.weekly": frozenset({"dsl", "deputy-dsl", "headteacher"}),
    "reports.governors": frozenset({"dsl", "deputy-dsl", "headteacher", "governor"}),
    "registers.self": frozenset(
        {"dsl", "deputy-dsl", "headteacher", "it-technician", "staff", "governor"}
    ),
    "registers.aup": frozenset({"dsl", "deputy-dsl", "headteacher", "it-technician"}),
    "registers.training": frozenset({"dsl", "deputy-dsl", "headteacher"}),
    "registers.consent": frozenset({"dsl", "deputy-dsl", "headteacher"}),
    "registers.publish_check": frozenset(
        {"dsl", "deputy-dsl", "headteacher", "it-technician", "staff"}
    ),
    "registers.devices": frozenset({"dsl", "deputy-dsl", "it-technician"}),
    "registers.reviews": frozenset({"dsl", "deputy-dsl", "headteacher", "it-technician"}),
    "registers.reviews_view": frozenset(
        {"dsl", "deputy-dsl", "headteacher", "it-technician", "governor"}
    ),
}


def role_of(user: Any) -> str | None:
    """The role of an authenticated user, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    profile = getattr(user, "profile", None)
    return profile.role if profile is not None else None


def can(user: Any, permission: str) -> bool:
    """True when ``user``'s role holds ``permission``. Unknown permissions are refused."""
    role = role_of(user)
    return role is not None and role in PERMISSIONS.get(permission, frozenset())


def needs_second_factor(user: Any) -> bool:
    """Roles that read safeguarding records must prove a second factor each session."""
    return role_of(user) in SECOND_FACTOR_ROLES


API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    """True for the JSON API, which answers refusals in JSON instead of redirecting."""
    return request.path.startswith(API_PREFIX)


def api_refusal(status: int, message: str) -> JsonResponse:
    """The JSON answer an API client gets when it is not let in (401) or not shown (404)."""
    response = JsonResponse({"error": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Session realm="harbour"'
    return response


def require(
    permission: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """View decorator: anonymous users go to login; users without the permission get 404,
    so a page's existence is not disclosed to those who may not see it. Under ``/api/`` the
    same refusals are JSON: 401 for the anonymous, 404 for the unauthorised."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                if is_api(request):
                    return api_refusal(401, "sign in first")
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not can(request.user, permission):
                if is_api(request):
                    return api_refusal(404, "not found")
                raise Http404
            return view(request, *args, **kwargs)

        return guarded

    return decorate
