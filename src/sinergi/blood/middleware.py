"""Fast paths for the public ticker JSON, the one endpoint news sites poll.

Two layers answer ``GET /darah/ticker.json`` from the ticker's in-process cache
(``ticker.py``); both send the same bytes and headers as the view:

- ``TickerFastPath`` wraps the WSGI application (``sinergi/wsgi.py``, what granian serves)
  and answers before Django builds a request: no request object, no signals, no
  middleware. It only serves an answer that ``ticker.peek`` says was checked against the
  database less than a second ago, so it never touches the database; anything else (the
  first request after that second, another path or method, an unknown unit, a request
  Django would redirect or refuse) goes on to Django unchanged.
- ``TickerFastPathMiddleware`` sits in ``MIDDLEWARE`` right after the security, static-file
  and NUL checks and answers the requests that do reach Django (the once-a-second refresh,
  the test client, ``runserver``) before sessions, authentication, languages, CSRF,
  messages and CSP run: the answer is public, anonymous, the same for everyone, and never
  rendered as a page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, QueryDict
from django.http.request import split_domain_port, validate_host
from django.middleware.security import SecurityMiddleware

from sinergi.core.clock import now

from .ticker import TickerData, peek, ticker_data

PATH = "/darah/ticker.json"
CACHE_CONTROL = "public, max-age=5"
_MAX_SLUG = 100
_MAX_HOSTS = 64
_MAX_READY = 64

WSGIEnviron = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[WSGIEnviron, StartResponse], Iterable[bytes]]


def _usable_slug(slug: str | None) -> bool:
    return slug is None or ("\x00" not in slug and len(slug) <= _MAX_SLUG)


class TickerFastPathMiddleware:
    """Serve the cached ticker JSON (with ETag and 304) without the rest of the stack."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != PATH or request.method != "GET":
            return self.get_response(request)
        request.get_host()  # an unknown Host is refused (400) as on every other page
        slug = request.GET.get("unit") or None
        if not _usable_slug(slug):
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


class _Probe:
    """Just enough of a request for ``SecurityMiddleware.process_response``."""

    def __init__(self, secure: bool) -> None:
        self.secure = secure

    def is_secure(self) -> bool:
        return self.secure


def _security_headers(secure: bool) -> list[tuple[str, str]]:
    """The headers Django's ``SecurityMiddleware`` adds to a response, from the settings
    (HSTS only over HTTPS), computed once by running it on an empty response."""
    middleware = SecurityMiddleware(lambda request: HttpResponse())
    response = middleware.process_response(_Probe(secure), HttpResponse())  # type: ignore[arg-type]
    return [(k, v) for k, v in response.items() if k != "Content-Type"]


class TickerFastPath:
    """WSGI wrapper: answer ``GET /darah/ticker.json`` from the cache checked in the last
    second, byte for byte what the view sends; pass every other request to ``app``."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.ssl_redirect = bool(settings.SECURE_SSL_REDIRECT)
        self.proxy_ssl_header = settings.SECURE_PROXY_SSL_HEADER
        self.forwarded_host = bool(settings.USE_X_FORWARDED_HOST)
        allowed = list(settings.ALLOWED_HOSTS)
        if settings.DEBUG and not allowed:
            allowed = [".localhost", "127.0.0.1", "[::1]"]  # as HttpRequest.get_host
        self.allowed_hosts = allowed
        self.hosts: dict[str, bool] = {}
        self.security = {secure: _security_headers(secure) for secure in (True, False)}
        self.ready: dict[tuple[str, bool], _Ready] = {}

    def _secure(self, environ: WSGIEnviron) -> bool:
        """``HttpRequest.is_secure()`` without the request."""
        if self.proxy_ssl_header:
            header, value = self.proxy_ssl_header
            forwarded = environ.get(header)
            if forwarded is not None:
                return bool(forwarded.split(",", 1)[0].strip() == value)
        return bool(environ.get("wsgi.url_scheme") == "https")

    def _host_allowed(self, host: str) -> bool:
        known = self.hosts.get(host)
        if known is None:
            domain, _port = split_domain_port(host)
            known = bool(domain and validate_host(domain, self.allowed_hosts))
            if len(self.hosts) >= _MAX_HOSTS:
                self.hosts.clear()
            self.hosts[host] = known
        return known

    def _answer(self, environ: WSGIEnviron) -> _Ready | None:
        """The prepared answer for this request, or ``None`` to leave it to Django."""
        query = environ.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            return None  # RejectNulMiddleware answers 400
        if environ.get("CONTENT_TYPE", "").startswith("application/json"):
            return None  # a body to check for NUL: leave it to Django
        secure = self._secure(environ)
        if self.ssl_redirect and not secure:
            return None  # SecurityMiddleware redirects to HTTPS
        host = environ.get("HTTP_HOST")
        if self.forwarded_host or not host or not self._host_allowed(host):
            return None  # Django decides (400 for a host it does not serve)
        slug: str | None = None
        if query:
            try:
                slug = QueryDict(query.encode("iso-8859-1")).get("unit") or None
            except (UnicodeError, SuspiciousOperation, ValueError):
                return None
            if not _usable_slug(slug):
                return None
        data = peek(now=now(), unit_slug=slug)
        if data is None or (slug and not data.units):
            return None  # not checked in the last second, or an unknown unit (404)
        ready = self.ready.get((data.etag, secure))
        if ready is None:
            ready = _Ready(data, self.security[secure])
            if len(self.ready) >= _MAX_READY:
                self.ready.clear()
            self.ready[(data.etag, secure)] = ready
        return ready

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "GET":
            return self.app(environ, start_response)
        ready = self._answer(environ)
        if ready is None:
            return self.app(environ, start_response)
        if ready.etag in environ.get("HTTP_IF_NONE_MATCH", ""):
            start_response("304 Not Modified", ready.not_modified)
            return ready.empty
        start_response("200 OK", ready.headers)
        return ready.body


class _Ready:
    """Status-line headers and body of one cached answer, built once: a request then
    allocates next to nothing (fewer garbage collections, shorter pauses)."""

    __slots__ = ("body", "empty", "etag", "headers", "not_modified")

    def __init__(self, data: TickerData, security: list[tuple[str, str]]) -> None:
        common = [
            ("ETag", data.etag),
            ("Cache-Control", CACHE_CONTROL),
            ("Access-Control-Allow-Origin", "*"),
            *security,
        ]
        self.etag = data.etag
        self.headers = [
            ("Content-Type", "application/json"),
            *common,
            ("Content-Length", str(len(data.body))),
        ]
        self.not_modified = common
        self.body = (data.body,)
        self.empty = (b"",)
