"""The policy as the school community reads it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from harbour.apps.accounts.gate import require
from harbour.apps.policies.models import PolicyVersion
from harbour.apps.policies.service import NoPolicy, active_version, current_policy
from harbour.policy.render import render_html_fragment


@require("policy.view")
def policy_page(request: HttpRequest) -> HttpResponse:
    """Render the active policy's appendices, with the version history."""
    try:
        row = active_version()
        policy = current_policy()
    except NoPolicy as exc:
        return render(request, "harbour/policy.html", {"missing": str(exc)})
    # render_html_fragment escapes every value it prints.
    body = mark_safe(render_html_fragment(policy))  # noqa: S308
    history = PolicyVersion.objects.only("version", "adopted_at", "adopted_by", "source", "active")[:20]
    return render(request, "harbour/policy.html", {"policy": policy, "row": row, "body": body, "history": history})
