"""The people directory, for the roles that need it."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from harbour.apps.accounts.gate import require
from harbour.apps.people.models import KIND_CHOICES, Person
from harbour.apps.policies.service import NoPolicy, current_policy


@require("people.view")
def directory(request: HttpRequest) -> HttpResponse:
    """Search and list people with the filtering groups the policy gives them."""
    people = Person.objects.filter(active=True)
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if query:
        people = people.filter(
            Q(first_name__icontains=query) | Q(last_name__icontains=query)
            | Q(preferred_name__icontains=query) | Q(class_name__iexact=query) | Q(username__iexact=query)
        )
    if kind in dict(KIND_CHOICES):
        people = people.filter(kind=kind)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    try:
        policy = current_policy()
        rows = [(p, sorted(p.filter_groups(policy))) for p in page]
    except NoPolicy:
        rows = [(p, []) for p in page]
    return render(
        request,
        "harbour/people.html",
        {"rows": rows, "page": page, "q": query, "kind": kind, "kinds": KIND_CHOICES, "total": people.count()},
    )
