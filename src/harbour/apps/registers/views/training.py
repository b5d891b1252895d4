"""Training register: compliance, recording completions with certificates, self-audit needs."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from harbour.apps.accounts.gate import require
from harbour.apps.audit.chain import record
from harbour.apps.policies.service import current_policy
from harbour.apps.registers import selfaudit, training
from harbour.apps.registers.models import Completion, Course
from harbour.apps.registers.views.common import find_person, parse_date


@require("registers.training")
def register(request: HttpRequest) -> HttpResponse:
    """Who is due or overdue, and a form to record a completion."""
    policy = current_policy()
    errors: dict[str, str] = {}
    if request.method == "POST" and request.POST.get("form") == "course":
        try:
            course = training.add_course(
                request.POST.get("title", ""),
                request.POST.get("provider", ""),
                request.POST.getlist("satisfies"),
                policy,
                request.user,
            )
        except ValueError as exc:
            errors["course"] = str(exc)
        else:
            messages.success(request, f"Course {course.title} added.")
            return redirect("registers-training")
    elif request.method == "POST":
        person = find_person(request.POST.get("person", ""), errors)
        completed_on = parse_date(request.POST.get("completed_on", ""), "completed_on", errors)
        course = training.course_choice(request.POST.get("requirement", ""), policy)
        if course is None:
            errors["requirement"] = "choose a course or a requirement from the policy"
        upload = request.FILES.get("certificate")
        if upload is not None and (problem := training.check_certificate(upload.name, upload.size)):
            errors["certificate"] = problem
        if not errors and person is not None and completed_on is not None and course is not None:
            training.record_completion(
                person,
                course,
                completed_on,
                request.user,
                provider=request.POST.get("provider", "").strip(),
                certificate=upload,
                certificate_name=upload.name if upload else "",
            )
            messages.success(request, f"Training recorded for {person.display_name}.")
            return redirect("registers-training")
    rows = training.compliance(policy)
    states = [duty.state for _, duties in rows for duty in duties]
    counts = {"overdue": states.count("overdue"), "due_soon": states.count("due soon")}
    recent = Completion.objects.select_related("person", "course")[:30]
    return render(
        request,
        "harbour/registers/training.html",
        {
            "rows": rows,
            "counts": counts,
            "policy": policy,
            "errors": errors,
            "posted": request.POST,
            "recent": recent,
            "courses": Course.objects.all(),
            "needs": selfaudit.summary(),
        },
    )


@require("registers.training")
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """Download a certificate after checking its hash; the download is audited."""
    done = get_object_or_404(Completion, pk=pk)
    if not done.certificate:
        raise Http404
    try:
        path = training.open_certificate(done)
    except (OSError, ValueError) as exc:
        record(request.user, "download-failed", done, summary=str(exc)[:300])
        raise Http404 from None
    record(request.user, "download", done, summary=f"certificate for {done.course.title}")
    return FileResponse(
        open(path, "rb"), as_attachment=True, filename=done.certificate_name or path.name
    )
