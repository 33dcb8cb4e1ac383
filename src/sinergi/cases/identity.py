"""Checks of what a citizen types: NIK, Indonesian mobile phone, tracking codes."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.utils.translation import gettext as _

#: Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L, 5/S, 8/B).
CODE_ALPHABET = "2345679ACDEFGHJKMNPQRTUVWXYZ"
CODE_RE = re.compile(r"^[A-Z]{3}-\d{4}-[" + CODE_ALPHABET + r"]{4}-[" + CODE_ALPHABET + r"]{4}$")
_PHONE_RE = re.compile(r"^(?:\+62|62|0)(8[1-9]\d{6,10})$")


def new_code(prefix: str, year: int) -> str:
    """An unguessable tracking code like ``SGU-2027-7K4Q-9XM2`` (8 random characters from 28:
    about 38 bits, on top of the second factor and the rate limit)."""
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{prefix}-{year:04d}-{body[:4]}-{body[4:]}"


def normalize_code(value: str) -> str:
    """Upper case without spaces; what people type from a receipt."""
    return re.sub(r"\s+", "", value or "").upper()[:30]


def nik_errors(value: str, *, district_exists: object) -> list[str]:
    """What is wrong with a NIK (Nomor Induk Kependudukan), or nothing.

    ``district_exists(code)`` answers whether a Kemendagri kecamatan code such as
    ``61.03.01`` exists; the first six digits of a NIK are that code.
    """
    nik = (value or "").strip()
    if not re.fullmatch(r"\d{16}", nik):
        return [_("A NIK has exactly 16 digits.")]
    errors = []
    code = f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}"
    if not district_exists(code):  # type: ignore[operator]
        errors.append(
            _("The first six digits (%(code)s) are not a Kemendagri district code.")
            % {"code": nik[:6]}
        )
    if birth_date(nik) is None:
        errors.append(_("Digits 7 to 12 must be a birth date DDMMYY (women add 40 to the day)."))
    if nik[12:] == "0000":
        errors.append(_("The last four digits of a NIK are never 0000."))
    return errors


def birth_date(nik: str) -> dt.date | None:
    """The birth date a NIK holds (women's day + 40), in the most recent century that makes
    it a real date not in the future; None when it is no date at all."""
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40
    today = dt.date.today()  # noqa: DTZ011 - only to choose the century of a birth year
    for century in (2000, 1900):
        try:
            found = dt.date(century + year, month, day)
        except ValueError:
            continue
        if found <= today or century == 1900:
            return found
    return None


def normalize_phone(value: str) -> str | None:
    """An Indonesian mobile number as ``08…`` (from ``+62 812-…``, ``62812…`` or
    ``0812…``), or None when it is not one."""
    raw = re.sub(r"[\s\-().]", "", value or "")
    match = _PHONE_RE.fullmatch(raw)
    return "0" + match.group(1) if match else None
