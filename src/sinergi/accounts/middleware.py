"""Language choice, and the second step of two-factor login before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from . import twofactor

SUPPORTED = {code for code, _ in settings.LANGUAGES}


def request_language(request: HttpRequest) -> str:
    """The user's saved language, else the language cookie, else ``?lang=``, else Indonesian.

    The browser's Accept-Language is not used: officials in Indonesia often run browsers in
    English but expect government tools in Bahasa Indonesia.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and getattr(user, "language", None) in SUPPORTED:
        return str(user.language)
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in SUPPORTED:
        return str(cookie)
    query = request.GET.get("lang")
    if query in SUPPORTED:
        return str(query)
    return str(settings.LANGUAGE_CODE)


class LanguageMiddleware:
    """Activate the language for the request and say so in the response headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language() or language)
        translation.deactivate()
        return response


VERIFIED_KEY = "sinergi_2fa_user"  # session: the user id whose second step passed


def second_factor_pending(request: HttpRequest) -> str | None:
    """What the signed-in user still owes before the session is fully authenticated:
    ``"verify"`` (a code), ``"enrol"`` (set up two-factor login, required for their role),
    or None. Sessions with no record of a second step fail closed."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if request.session.get(VERIFIED_KEY) == user.pk:
        return None
    if user.totp_enabled:
        return "verify"
    if twofactor.totp_required_for(user):
        return "enrol"
    return None


def mark_second_factor_done(request: HttpRequest) -> None:
    """Record in the session that its user passed (or set up) the second step."""
    request.session[VERIFIED_KEY] = request.user.pk


class TwoFactorMiddleware:
    """Until the second step is done, a signed-in session reaches only the code page, the
    enrolment page, logout and the language switch: pages redirect there and the JSON API
    answers 401 (a bearer token in the request is still honoured, the session is not)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: set[str] | None = None

    def _open_paths(self) -> set[str]:
        if self._open is None:
            self._open = {
                reverse(name)
                for name in (
                    "accounts:login",
                    "accounts:logout",
                    "accounts:login_code",
                    "accounts:two_factor",
                    "accounts:language",
                )
            }
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponse:
        pending = second_factor_pending(request)
        if pending is None or request.path in self._open_paths():
            return self.get_response(request)
        if request.path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            if request.headers.get("Authorization"):
                # A token decides; the unfinished session must not stand in for a bad one.
                request.user = AnonymousUser()
                return self.get_response(request)
            return JsonResponse(
                {
                    "code": "two_factor_required",
                    "message": _("Finish signing in with your two-factor code first."),
                    "fields": {},
                },
                status=401,
            )
        target = reverse("accounts:login_code" if pending == "verify" else "accounts:two_factor")
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
