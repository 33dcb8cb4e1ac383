"""Views of the accounts app: login, logout, profile, password, tokens, language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from sinergi.core.clock import now
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.forms import apply_errors
from sinergi.core.permissions import get_visible_or_404
from sinergi.core.views import AuthedRequest, friendly_errors

from . import services, twofactor
from .forms import (
    CodeForm,
    DisableTwoFactorForm,
    EnrolForm,
    LanguageForm,
    LoginCodeForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    TokenForm,
)
from .middleware import mark_second_factor_done, second_factor_pending
from .models import ApiToken, User

LOCKED_MESSAGE = gettext_lazy(
    "This account is locked after too many failed logins. "
    "Try again in %(m)d minutes or reset your password."
)
IP_LIMIT = 30  # failed logins per address per lockout period, across accounts
NEXT_KEY = "sinergi_2fa_next"  # session: where to go after the second step
PENDING_SECRET_KEY = "sinergi_totp_pending"  # noqa: S105 - session key of the secret in enrolment


def _client_ip(request: HttpRequest) -> str:
    """The client's address; behind SINERGI_PROXY_COUNT trusted proxies (nginx), the
    address those proxies saw, read from the right of X-Forwarded-For."""
    proxies = settings.SINERGI_PROXY_COUNT
    forwarded = [
        p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
    ]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, request.is_secure()):
        return value
    return reverse(settings.LOGIN_REDIRECT_URL)


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Sign in; repeated failures lock the account for a while (throttling)."""
    if request.user.is_authenticated:
        return redirect(_safe_next(request, request.GET.get("next")))
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        moment = now()
        ip_key = f"login-fail:{_client_ip(request)}"
        username = form.cleaned_data["username"]
        account = User.objects.filter(username=username).first()
        if cache.get(ip_key, 0) >= IP_LIMIT:
            form.add_error(None, _("Too many failed logins from this address. Try again later."))
            status = 429
        elif account is not None and services.login_locked(account, moment):
            form.add_error(
                None,
                str(LOCKED_MESSAGE) % {"m": settings.SINERGI_LOGIN_LOCKOUT_MINUTES},
            )
            status = 429
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                if account is not None:
                    account = services.login_record_failure(user=account, now=moment)
                cache.set(
                    ip_key, cache.get(ip_key, 0) + 1, settings.SINERGI_LOGIN_LOCKOUT_MINUTES * 60
                )
                if account is not None and services.login_locked(account, moment):
                    form.add_error(
                        None,
                        str(LOCKED_MESSAGE) % {"m": settings.SINERGI_LOGIN_LOCKOUT_MINUTES},
                    )
                    status = 429
                else:
                    form.add_error(None, _("The username or password is wrong."))
                    status = 400
            else:
                # login() gives the session a new key, so a planted session id is useless.
                login(request, user)
                target = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
                pending = second_factor_pending(request)
                if pending is None:
                    services.login_record_success(user=user, now=moment)
                    return redirect(target)
                # The login counts (and the failure count resets) only after the second
                # step; until then the middleware lets this session reach nothing else.
                request.session[NEXT_KEY] = target
                return redirect(
                    "accounts:login_code" if pending == "verify" else "accounts:two_factor"
                )
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=status,
    )


def _ip_failures(request: HttpRequest) -> tuple[str, int]:
    key = f"login-fail:{_client_ip(request)}"
    return key, cache.get(key, 0)


def _count_ip_failure(request: HttpRequest) -> None:
    key, count = _ip_failures(request)
    cache.set(key, count + 1, settings.SINERGI_LOGIN_LOCKOUT_MINUTES * 60)


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of login: a code from the authenticator app or a recovery code.
    Wrong codes count towards the same lockout as wrong passwords, and are audited."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    pending = second_factor_pending(request)
    if pending is None:
        return redirect(_safe_next(request, request.session.get(NEXT_KEY)))
    if pending == "enrol":
        return redirect("accounts:two_factor")
    user: User = request.user
    form = LoginCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        moment = now()
        locked_text = str(LOCKED_MESSAGE) % {"m": settings.SINERGI_LOGIN_LOCKOUT_MINUTES}
        if _ip_failures(request)[1] >= IP_LIMIT:
            form.add_error(None, _("Too many failed logins from this address. Try again later."))
            status = 429
        elif services.login_locked(user, moment):
            logout(request)
            messages.error(request, locked_text)
            return redirect("accounts:login")
        else:
            used = services.second_factor_check(
                user=user, code=form.cleaned_data["code"], now=moment
            )
            if used is None:
                _count_ip_failure(request)
                if services.login_locked(user, moment):
                    logout(request)
                    messages.error(request, locked_text)
                    return redirect("accounts:login")
                form.add_error("code", _("The code is wrong or was already used."))
                status = 400
            else:
                mark_second_factor_done(request)
                services.login_record_success(user=user, now=moment)
                if used == "recovery":
                    left = services.recovery_codes_left(user)
                    messages.warning(
                        request,
                        _(
                            "You signed in with a recovery code; %(n)d are left. Make new "
                            "ones on the two-factor page if you are running out."
                        )
                        % {"n": left},
                    )
                return redirect(_safe_next(request, request.session.pop(NEXT_KEY, None)))
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/login_code.html", {"form": form}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign out and drop the session."""
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def profile(request: AuthedRequest) -> HttpResponse:
    """The user's own profile and memberships."""
    user = request.user
    initial = {
        "full_name": user.full_name,
        "email": user.email,
        "phone": user.phone,
        "language": user.language,
    }
    form = ProfileForm(request.POST or None, initial=initial, totp=user.totp_enabled)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        password = fields.pop("current_password", "") or None
        code = fields.pop("totp_code", "") or None
        try:
            services.user_update_profile(
                actor=user,
                user=user,
                now=now(),
                current_password=password,
                totp_code=code,
                **fields,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("accounts:profile")
    memberships = user.memberships.select_related("agency").order_by("-is_primary", "agency__name")
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "memberships": memberships, "totp_enabled": user.totp_enabled},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def password_change(request: AuthedRequest) -> HttpResponse:
    """Change one's own password; other sessions stay valid only for this browser."""
    form = PasswordChangeForm(request.POST or None, totp=request.user.totp_enabled)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_password(
                actor=request.user,
                user=request.user,
                now=now(),
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                totp_code=form.cleaned_data.get("totp_code") or "",
            )
        except ValidationFailed as exc:
            for field, msgs in exc.fields.items():
                target = "new_password1" if field == "password" else field
                for msg in msgs:
                    form.add_error(target if target in form.fields else None, msg)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password was changed."))
            return redirect("accounts:profile")
    return render(
        request, "accounts/password_change.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def tokens(request: AuthedRequest) -> HttpResponse:
    """The user's API tokens: create (secret shown once) and list."""
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        moment = now()
        try:
            _token, secret = services.token_create(
                actor=request.user,
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"] or ["read"],
                expires_at=services.token_default_expiry(moment, form.cleaned_data["expires_days"]),
                now=moment,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            form = TokenForm()
    items = ApiToken.objects.visible_to(request.user)
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": items, "secret": secret, "now": now()},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
@friendly_errors
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    """Revoke one of the user's tokens."""
    token = get_visible_or_404(request.user, ApiToken, pk=token_id)
    services.token_revoke(actor=request.user, token=token, now=now())
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:tokens")


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def two_factor(request: AuthedRequest) -> HttpResponse:
    """Two-factor login: set it up (scan the QR code or type the secret, confirm with a
    code), see the recovery codes once, make new ones, or turn it off."""
    user = request.user
    pending = second_factor_pending(request)
    if pending == "verify":
        return redirect("accounts:login_code")
    context: dict[str, Any] = {"required": twofactor.totp_required_for(user)}
    status = 200
    if not user.totp_enabled:
        secret = request.session.get(PENDING_SECRET_KEY) or twofactor.new_secret()
        request.session[PENDING_SECRET_KEY] = secret
        form = EnrolForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            moment = now()
            try:
                codes = services.totp_enrol(
                    actor=user, user=user, secret=secret, code=form.cleaned_data["code"], now=moment
                )
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                del request.session[PENDING_SECRET_KEY]
                mark_second_factor_done(request)
                if pending == "enrol":  # the first login of someone who must use it
                    services.login_record_success(user=user, now=moment)
                return render(
                    request,
                    "accounts/two_factor_codes.html",
                    {
                        "codes": codes,
                        "next": _safe_next(request, request.session.pop(NEXT_KEY, None)),
                    },
                )
        if form.errors:
            status = 400
        uri = twofactor.provisioning_uri(user, secret)
        context.update(
            {
                "form": form,
                "qr_svg": twofactor.qr_svg(uri),
                "secret": twofactor.grouped(secret),
                "uri": uri,
            }
        )
        return render(request, "accounts/two_factor_enrol.html", context, status=status)
    context.update(
        {
            "codes_left": services.recovery_codes_left(user),
            "codes_form": CodeForm(prefix="codes"),
            "disable_form": DisableTwoFactorForm(prefix="off"),
        }
    )
    if request.method == "POST":
        moment = now()
        if "codes-code" in request.POST:
            codes_form = CodeForm(request.POST, prefix="codes")
            context["codes_form"] = codes_form
            if codes_form.is_valid():
                try:
                    codes = services.recovery_codes_regenerate(
                        actor=user, user=user, now=moment, code=codes_form.cleaned_data["code"]
                    )
                except ValidationFailed as exc:
                    apply_errors(codes_form, exc)
                else:
                    return render(
                        request,
                        "accounts/two_factor_codes.html",
                        {"codes": codes, "next": reverse("accounts:two_factor")},
                    )
        else:
            off_form = DisableTwoFactorForm(request.POST, prefix="off")
            context["disable_form"] = off_form
            if off_form.is_valid():
                try:
                    services.totp_disable(
                        actor=user,
                        user=user,
                        now=moment,
                        password=off_form.cleaned_data["password"],
                        code=off_form.cleaned_data["code"],
                    )
                except ValidationFailed as exc:
                    apply_errors(off_form, exc)
                else:
                    messages.success(request, _("Two-factor login is off."))
                    return redirect("accounts:two_factor")
        status = 400
    return render(request, "accounts/two_factor.html", context, status=status)


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch between Indonesian and English; saved on the profile when signed in."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return redirect("core:home")
    code = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.user_update_profile(
            actor=request.user, user=request.user, language=code, now=now()
        )
    target = form.cleaned_data.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    return response


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link by email (the answer never tells whether the email is known)."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    """Tells the user to look in their mailbox."""

    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Set a new password from the emailed link; the change is audited."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.user
        try:
            services.user_change_password(
                actor=user, user=user, new_password=form.cleaned_data["new_password1"], now=now()
            )
        except ValidationFailed as exc:
            for msgs in exc.fields.values():
                for msg in msgs:
                    form.add_error("new_password2", msg)
            return self.form_invalid(form)
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    """Confirms the new password."""

    template_name = "accounts/password_reset_complete.html"
