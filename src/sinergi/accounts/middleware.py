"""Language choice: Indonesian unless the user (or the visitor's cookie) chose English."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

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
