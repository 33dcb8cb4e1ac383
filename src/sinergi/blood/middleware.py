"""A fast path for the public ticker JSON, the one endpoint news sites poll.

Placed in ``MIDDLEWARE`` right after the security, static-file and NUL checks, it answers
``GET /darah/ticker.json`` from the ticker's in-process cache before sessions,
authentication, languages, CSRF, messages and CSP run: the answer is public, anonymous,
the same for everyone, and never rendered as a page. Everything else (any other path or
method, an unknown unit) goes down the normal stack to the views.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified

from sinergi.core.clock import now

from .ticker import ticker_data

PATH = "/darah/ticker.json"
CACHE_CONTROL = "public, max-age=5"


class TickerFastPathMiddleware:
    """Serve the cached ticker JSON (with ETag and 304) without the rest of the stack."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != PATH or request.method != "GET":
            return self.get_response(request)
        slug = request.GET.get("unit") or None
        if slug is not None and ("\x00" in slug or len(slug) > 100):
            return self.get_response(request)
        data = ticker_data(now=now(), unit_slug=slug)
        if slug and not data.units:
            return self.get_response(request)  # the view answers the 404 page
        response: HttpResponse
        if data.etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(data.body, content_type="application/json")
        response.headers["ETag"] = data.etag
        response.headers["Cache-Control"] = CACHE_CONTROL
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
