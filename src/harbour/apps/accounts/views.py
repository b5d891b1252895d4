"""Sign-in, the second factor and each role's home page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from harbour.apps.accounts import throttle, totp
from harbour.apps.accounts.gate import needs_second_factor, role_of
from harbour.apps.accounts.middleware import SESSION_FLAG
from harbour.apps.accounts.models import Profile
from harbour.apps.audit.chain import record

# Each app may add cards to a role's home page: callables (request) -> list of dicts.
home_cards: list = []


class _LoginView(auth_views.LoginView):
    """Django's sign-in (which cycles the session key), rate limited per username and address."""

    template_name = "harbour/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        key = throttle.attempt_key(request, request.POST.get("username", ""))
        if throttle.is_locked(key):
            # The password is not even checked while locked: guessing gains nothing.
            context = self.get_context_data(locked=throttle.locked_message())
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        record(
            self.request.user,
            "login",
            ("auth.user", str(self.request.user.pk)),
            summary="signed in",
        )
        return response

    def form_invalid(self, form):  # type: ignore[no-untyped-def]
        key = throttle.attempt_key(self.request, self.request.POST.get("username", ""))
        if throttle.note_failure(key):
            context = self.get_context_data(form=form, locked=throttle.locked_message())
            return self.render_to_response(context, status=429)
        return super().form_invalid(form)


login_view = _LoginView.as_view()


@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """Ask for (and on first use, enrol) the authenticator code."""
    next_url = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if not needs_second_factor(request.user) or request.session.get(SESSION_FLAG):
        return redirect(next_url)
    profile, _ = Profile.objects.get_or_create(user=request.user)
    enrolling = not profile.totp_confirmed
    error, status = "", 200
    if request.method == "POST" and throttle.second_factor_locked(request.user):
        # Six digits are guessable given enough tries: codes are not even checked while locked.
        error, status = throttle.locked_message(), 429
    elif request.method == "POST":
        if totp.check_code(profile, request.POST.get("code", "")):
            request.session.cycle_key()
            request.session[SESSION_FLAG] = True
            record(
                request.user,
                "second-factor",
                ("auth.user", str(request.user.pk)),
                summary="second factor passed",
            )
            return redirect(next_url)
        error = "That code is not right. Check the time on your phone and try the newest code."
        record(request.user, throttle.SECOND_FACTOR_FAILED, ("auth.user", str(request.user.pk)))
        if throttle.second_factor_locked(request.user):
            record(
                "system",
                throttle.LOCKED,
                ("auth.user", str(request.user.pk)),
                summary=f"second factor locked for {throttle.lock_minutes()} minutes",
            )
            error, status = throttle.locked_message(), 429
    context = {"error": error, "enrolling": enrolling}
    if enrolling:
        context["secret"] = totp.ensure_secret(profile)
        context["uri"] = totp.provisioning_uri(profile)
    return render(request, "harbour/second_factor.html", context, status=status)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page: what this role needs to see first."""
    cards = []
    for provider in home_cards:
        cards.extend(provider(request))
    return render(request, "harbour/home.html", {"cards": cards, "role": role_of(request.user)})
