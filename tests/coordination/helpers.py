"""Shared helpers of the coordination tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sinergi.accounts.models import User
from sinergi.coordination import services
from sinergi.coordination.models import Request

WIB = dt.timezone(dt.timedelta(hours=7))


def user(name: str) -> User:
    return User.objects.get(username=name)


def at(y: int, m: int, d: int, h: int = 9, mi: int = 0) -> dt.datetime:
    """A moment in Sanggau local time (WIB)."""
    return dt.datetime(y, m, d, h, mi, tzinfo=WIB)


def submit(
    *,
    by: str = "pupr",
    frm: str = "dpupr-sanggau",
    to: str = "kantah-sanggau",
    kind: str = "data",
    now: dt.datetime,
    **kw: Any,
) -> Request:
    return services.request_submit(
        actor=user(by),
        from_agency=frm,
        to_agency=to,
        kind=kind,
        subject=kw.pop("subject", "Status tanah lokasi IPA Tanjung Sekayam"),
        body=kw.pop("body", "Mohon data status tanah bidang lokasi IPA."),
        now=now,
        **kw,
    )


def act(r: Request, action: str, by: str, now: dt.datetime, **kw: Any) -> Request:
    return services.REQUEST_ACTIONS[action](actor=user(by), request=r, now=now, **kw)
