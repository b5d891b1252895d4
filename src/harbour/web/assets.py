"""The few scripts Harbour's pages use, served from the package itself.

The Content-Security-Policy forbids inline scripts, so each lives in a file here; they are
served by Django so that ``harbour serve`` needs no separate static file server.
"""

from __future__ import annotations

from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

SCRIPTS_DIR = Path(__file__).resolve().parent / "static" / "harbour"
SCRIPTS = frozenset({"people-hints", "print"})


@require_GET
def script(request: HttpRequest, name: str) -> HttpResponse:
    """``/assets/NAME.js`` for the listed scripts only (no path from the request reaches the
    file system)."""
    if name not in SCRIPTS:
        raise Http404
    body = (SCRIPTS_DIR / f"{name}.js").read_bytes()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response
