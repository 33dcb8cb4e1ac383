"""Per-address limits on filing and tracking, in the cache like the login throttle
(docs/decisions/login-throttling-and-tokens.md): best effort, enough to stop one address
trying many tracking codes."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

#: scope -> (attempts, window in seconds)
LIMITS = {
    "track": (20, 15 * 60),
    "file": (10, 60 * 60),
}


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or with trusted proxies the address those proxies
    saw, read from the right of X-Forwarded-For."""
    proxies = getattr(settings, "SINERGI_PROXY_COUNT", 0)
    forwarded = [
        p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
    ]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def hit(request: HttpRequest, scope: str) -> bool:
    """Count one attempt from the request's address; False when over the limit."""
    limit, window = getattr(settings, "CASES_LIMITS", LIMITS)[scope]
    key = f"cases-{scope}:{client_ip(request)}"
    count = int(cache.get(key, 0)) + 1
    cache.set(key, count, window)
    return count <= limit
