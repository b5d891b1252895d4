"""Pages: the block page, unblock requests, the approval queue, school lists, the change log."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from harbour.apps.accounts.gate import can, require
from harbour.apps.policies.service import NoPolicy, current_policy
from harbour.apps.webfilter import changelog, service
from harbour.apps.webfilter.forms import ListEditForm, UnblockForm
from harbour.apps.webfilter.models import (
    APPROVED,
    KIND_LIST_ADD,
    KIND_LIST_REMOVE,
    KIND_UNBLOCK,
    PENDING,
    FilterRequest,
)
from harbour.apps.webfilter.rules import Explanation, explain
from harbour.filtering import UrlError, normalise_url

_SHOWN_URL = 200  # characters of the blocked address shown on the block page


@require_GET
def blocked(request: HttpRequest) -> HttpResponse:
    """The block page Squid sends pupils to: what was blocked and why, in plain words; signed-in
    staff get a way to ask for access (except for the locked tier)."""
    url = request.GET.get("url", "")[:2000]
    category = request.GET.get("category", "")[:60]
    try:
        host = normalise_url(url).host if url else ""
    except UrlError:
        host = ""
    try:
        explanation = explain(current_policy(), request.GET.get("rule", "")[:160], category)
    except NoPolicy:
        explanation = Explanation("Blocked by the school's filter", "This page is blocked here.")
    staff = can(request.user, "filtering.request_unblock") and explanation.can_request
    return render(
        request,
        "harbour/webfilter/blocked.html",
        {
            "explanation": explanation,
            "host": host,
            "shown_url": url if len(url) <= _SHOWN_URL else url[:_SHOWN_URL] + "...",
            "staff": staff,
            "category": category,
            "login_next": urlencode({"next": request.get_full_path()}),
        },
    )


@require("filtering.request_unblock")
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest) -> HttpResponse:
    """The request form, prefilled from the block page."""
    policy = current_policy()
    if request.method == "POST":
        form = UnblockForm(policy, request.POST)
        if form.is_valid():
            try:
                item = service.submit(request.user, **form.request_fields())
            except service.RequestRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Request #{item.pk} sent. IT or the DSL will decide.")
                return redirect("webfilter:mine")
    else:
        category = request.GET.get("category", "")
        form = UnblockForm(
            policy,
            initial={
                "domain": request.GET.get("domain", ""),
                "blocked_url": request.GET.get("url", ""),
                "category": category,
            },
        )
    return render(request, "harbour/webfilter/request_form.html", {"form": form})


@require("filtering.request_unblock")
@require_GET
def my_requests(request: HttpRequest) -> HttpResponse:
    """The signed-in member of staff's own requests and what became of them."""
    items = FilterRequest.objects.filter(requested_by=request.user).select_related("decided_by")
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(request, "harbour/webfilter/mine.html", {"page": page})


@require("filtering.request_unblock")
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Take back one's own pending request."""
    item = get_object_or_404(FilterRequest, pk=pk, requested_by=request.user)
    try:
        service.withdraw(item, request.user)
        messages.success(request, f"Request #{item.pk} withdrawn.")
    except service.RequestRefused as exc:
        messages.error(request, str(exc))
    return redirect("webfilter:mine")


@require("filtering.approve_unblock")
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Requests waiting for a decision, and what is unblocked now (IT and the DSL)."""
    related = ("requested_by", "decided_by", "replaces")
    pending = FilterRequest.objects.filter(status=PENDING).select_related(*related)
    in_force = FilterRequest.objects.filter(
        Q(kind=KIND_UNBLOCK, expires__gt=timezone.now()) | Q(kind=KIND_LIST_ADD), status=APPROVED
    ).select_related(*related)
    return render(
        request,
        "harbour/webfilter/queue.html",
        {
            "pending": pending.order_by("requested_at"),
            "in_force": in_force.order_by("expires"),
        },
    )


@require("filtering.approve_unblock")
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or refuse one request, with a note."""
    item = get_object_or_404(FilterRequest, pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        service.decide(item, request.user, approve, request.POST.get("note", "")[:1000])
        done = "approved: it reaches the filters within seconds" if approve else "refused"
        messages.success(request, f"Request #{item.pk} {done}.")
    except service.RequestRefused as exc:
        messages.error(request, f"Request #{item.pk}: {exc}")
    return redirect("webfilter:queue")


@require("filtering.approve_unblock")
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """End an unblock before its period is over."""
    item = get_object_or_404(FilterRequest, pk=pk)
    try:
        service.revoke(item, request.user, request.POST.get("note", "")[:1000])
        messages.success(request, f"Unblock #{item.pk} revoked.")
    except service.RequestRefused as exc:
        messages.error(request, str(exc))
    return redirect("webfilter:queue")


@require("filtering.change_lists")
@require_http_methods(["GET", "POST"])
def school_lists(request: HttpRequest) -> HttpResponse:
    """The school's own allow and block lists: what the policy file holds, what was added
    here, and the form to propose an addition."""
    policy = current_policy()
    form = ListEditForm(policy, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = service.submit(
                request.user,
                kind=KIND_LIST_ADD,
                target_kind="domain",
                target=data["target"],
                list_name=data["list_name"],
                reason=data["reason"].strip(),
            )
        except service.RequestRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Request #{item.pk} sent: another approver must agree.")
            return redirect("webfilter:lists")
    added = FilterRequest.objects.filter(kind=KIND_LIST_ADD, status__in=[PENDING, APPROVED])
    removals = FilterRequest.objects.filter(kind=KIND_LIST_REMOVE, status=PENDING)
    return render(
        request,
        "harbour/webfilter/lists.html",
        {
            "form": form,
            "policy_lists": policy.local_lists,
            "added": added.select_related("requested_by", "decided_by"),
            "removing": set(removals.values_list("replaces_id", flat=True)),
        },
    )


@require("filtering.change_lists")
@require_POST
def propose_removal(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose removing a site that was added to a school list here."""
    item = get_object_or_404(FilterRequest, pk=pk, kind=KIND_LIST_ADD, status=APPROVED)
    reason = request.POST.get("reason", "").strip()[:1000]
    if not reason:
        messages.error(request, "Say why the site should come off the list.")
        return redirect("webfilter:lists")
    removal = service.submit(
        request.user,
        kind=KIND_LIST_REMOVE,
        target_kind="domain",
        target=item.target,
        list_name=item.list_name,
        reason=reason,
        replaces=item,
    )
    messages.success(request, f"Request #{removal.pk} sent: another approver must agree.")
    return redirect("webfilter:lists")


@require("filtering.view_changes")
@require_GET
def changes(request: HttpRequest) -> HttpResponse:
    """The filtering change log (governors included): who asked, who decided, and why."""
    page = Paginator(range(changelog.count()), 100).get_page(request.GET.get("page"))
    rows = changelog.changes(limit=100, offset=page.start_index() - 1 if page.object_list else 0)
    users = get_user_model().objects.filter(username__in={r.actor for r in rows})
    staff = {
        u.username: f"{u.get_full_name() or u.username} ({getattr(getattr(u, 'profile', None), 'role', '')})"
        for u in users.select_related("profile")
    }
    return render(
        request,
        "harbour/webfilter/changes.html",
        {
            "summary": changelog.summary(timezone.now()),
            "rows": [(row, staff.get(row.actor, row.actor)) for row in rows],
            "page": page,
        },
    )
