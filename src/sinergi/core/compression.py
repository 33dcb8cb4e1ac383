"""Gzip for public answers only (see docs/decisions/compression-public-only.md).

Compressing a page that holds a secret next to text an attacker can put into it leaks the
secret byte by byte through the compressed size (BREACH). Signed-in pages carry the
session's data and reflect what people type, so they are never compressed. Public pages
and public JSON to anonymous visitors are: they carry no session, and the one token on them
(the language form's CSRF token) is masked with a fresh random value on every response,
which is Django's BREACH defence for it; Django's gzip also pads each body with random
bytes ("Heal the Breach")."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

# What anonymous visitors and news sites read: the public portal (scoreboard, blood, agencies,
# programmes, catalog, services), the public JSON, the ticker page and its script, a unit's
# public stock page, and the CKAN-compatible catalog API.
PUBLIC_PREFIXES = (
    "/publik/",
    "/api/v1/public/",
    "/darah/ticker",
    "/darah/embed.js",
    "/darah/stok/",
    "/api/3/action/",
    "/api/action/",
)
# The ticker JSON is answered byte for byte from a cache before Django runs (the WSGI fast
# path) and is mostly a 304; it stays as it is.
EXCLUDED = ("/darah/ticker.json",)


def is_public_path(path: str) -> bool:
    """Whether the path is one of the public answers that may be compressed."""
    return path.startswith(PUBLIC_PREFIXES) and not path.startswith(EXCLUDED)


class PublicGZipMiddleware(GZipMiddleware):
    """Django's gzip, applied only to GET/HEAD of public paths for visitors who are not
    signed in."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        """Compress the response when it is public and anonymous; else leave it as it is."""
        if request.method not in ("GET", "HEAD") or not is_public_path(request.path_info):
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return response
        return super().process_response(request, response)
