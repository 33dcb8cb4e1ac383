"""Two-factor login with TOTP (RFC 6238): secrets, codes, QR codes, recovery codes, and who
must use it. The writes are in ``services``; this module only computes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

import pyotp
import segno
from django.conf import settings

from sinergi.agencies.selectors import is_leader, user_memberships

STEP_SECONDS = 30
DIGITS = 6
# Codes of the step before and after the current one are accepted (clock drift).
DRIFT_STEPS = 1
RECOVERY_COUNT = 10
# 16 characters of 31 (no i, l, o, 0, 1) ≈ 79 bits: like API tokens, a fast hash is
# enough to store them.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 16
# Roles SINERGI_TOTP_REQUIRED_ROLES may name besides the membership roles.
PLATFORM_ADMIN = "platform_admin"
LEADER = "leader"
MEMBERSHIP_ROLES = ("viewer", "staff", "manager", "head", "admin")
KNOWN_ROLES = (PLATFORM_ADMIN, LEADER, *MEMBERSHIP_ROLES)


def new_secret() -> str:
    """A new random base32 secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def provisioning_uri(user: Any, secret: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.username, issuer_name=settings.SINERGI_TOTP_ISSUER
    )


def qr_svg(uri: str) -> str:
    """The QR code of the URI as an inline SVG element, drawn here (no outside service)."""
    return str(
        segno.make(uri, error="m").svg_inline(scale=5, dark="#111", light="#fff", title="QR")
    )


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise_code(code: str) -> str:
    """A code as typed: spaces and dashes dropped, lower case."""
    return "".join(ch for ch in (code or "") if ch not in " -\t").lower()


def looks_like_totp(code: str) -> bool:
    """Six digits."""
    code = normalise_code(code)
    return len(code) == DIGITS and code.isdigit()


def matching_step(secret: str, code: str, when: dt.datetime) -> int | None:
    """The time step (RFC 6238 counter) whose code equals ``code``, within the allowed
    drift, or None. The caller refuses steps at or before the last one used (replay)."""
    code = normalise_code(code)
    if not secret or not looks_like_totp(code):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = totp.timecode(when)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # Compare every candidate in constant time; keep the latest match.
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def new_recovery_codes() -> list[str]:
    """Ten random recovery codes, shown as ``xxxx-xxxx-xxxx-xxxx``."""
    codes = []
    for _ in range(RECOVERY_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
    return codes


def recovery_hash(user_pk: int, code: str) -> str:
    """SHA-256 of a recovery code, salted with the user's id."""
    return hashlib.sha256(f"{user_pk}:{normalise_code(code)}".encode()).hexdigest()


def required_roles() -> set[str]:
    """The roles for which two-factor login is required (SINERGI_TOTP_REQUIRED_ROLES)."""
    return {r for r in settings.SINERGI_TOTP_REQUIRED_ROLES if r}


def totp_required_for(user: Any) -> bool:
    """Whether the user must use two-factor login: marked so on their account, or holding
    a role the deployment names in SINERGI_TOTP_REQUIRED_ROLES."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "totp_required", False):
        return True
    roles = required_roles()
    if not roles:
        return False
    if PLATFORM_ADMIN in roles and user.is_superuser:
        return True
    if LEADER in roles and is_leader(user):
        return True
    wanted = roles & set(MEMBERSHIP_ROLES)
    return bool(wanted and any(m.role in wanted for m in user_memberships(user)))
