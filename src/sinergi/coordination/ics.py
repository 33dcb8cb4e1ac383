"""iCalendar (RFC 5545) files written by hand: escaped text, folded lines, CRLF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from email.utils import parseaddr

#: Calendar address used when the real one is unknown (a reserved, undeliverable domain).
NOWHERE = "noreply@sinergi.invalid"


def mailto(address: str) -> str:
    """A ``mailto:`` calendar address from an email address or ``Name <address>``."""
    addr = parseaddr(address)[1] or NOWHERE
    return "mailto:" + addr.replace("\r", "").replace("\n", "")


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    current = b""
    limit = 75
    for ch in line:
        b = ch.encode("utf-8")
        if len(current) + len(b) > limit:
            parts.append(current.decode("utf-8"))
            current = b""
            limit = 74  # continuation lines start with one space
        current += b
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def utc_stamp(moment: dt.datetime) -> str:
    """A UTC DATE-TIME value (form #2 of RFC 5545 3.3.5)."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def event_lines(
    *,
    uid: str,
    stamp: dt.datetime,
    start: dt.datetime,
    end: dt.datetime,
    summary: str,
    description: str = "",
    location: str = "",
    organizer: str = "",
    organizer_email: str = "",
    attendees: Iterable[str | tuple[str, str]] = (),
    sequence: int = 0,
    cancelled: bool = False,
    all_day: dt.date | None = None,
) -> list[str]:
    """The content lines of one VEVENT (``all_day``: a whole-day event on that date).

    ``attendees`` are names or ``(name, email)`` pairs; an unknown address is written as
    the undeliverable ``NOWHERE``."""
    if all_day is not None:
        span = [
            f"DTSTART;VALUE=DATE:{all_day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{all_day + dt.timedelta(days=1):%Y%m%d}",
        ]
    else:
        span = [f"DTSTART:{utc_stamp(start)}", f"DTEND:{utc_stamp(end)}"]
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{utc_stamp(stamp)}",
        *span,
        f"SEQUENCE:{sequence}",
        f"SUMMARY:{escape_text(summary)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if organizer or organizer_email:
        cn = f";CN={_param(organizer)}" if organizer else ""
        lines.append(f"ORGANIZER{cn}:{mailto(organizer_email)}")
    for item in attendees:
        name, email = (item, "") if isinstance(item, str) else item
        lines.append(f"ATTENDEE;CN={_param(name)};ROLE=REQ-PARTICIPANT:{mailto(email)}")
    lines.append("STATUS:CANCELLED" if cancelled else "STATUS:CONFIRMED")
    lines.append("END:VEVENT")
    return lines


def _param(value: str) -> str:
    # A parameter value with : ; , must be quoted, and may not contain a double quote.
    clean = value.replace('"', "'").replace("\r", " ").replace("\n", " ")
    return f'"{clean}"'


def calendar(events: Iterable[list[str]], *, method: str = "PUBLISH", name: str = "") -> bytes:
    """A VCALENDAR object holding the events, as CRLF-terminated UTF-8 bytes."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Sinergi//Coordination//ID",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
    ]
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
    for ev in events:
        lines.extend(ev)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
