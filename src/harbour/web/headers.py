"""Security headers on every response, above what Django's own middleware sets.

The Content-Security-Policy allows scripts only from Harbour itself (no inline script, so an
injected ``<script>`` cannot run) and inline styles, which the base page and the reports' SVG
charts use.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy and Permissions-Policy headers (unless a view set its
    own) and keeps safeguarding pages out of shared and browser caches."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            # Signed-in pages carry personal data: never stored by a proxy or the back button.
            response.headers.setdefault("Cache-Control", "no-store, private")
        return response
