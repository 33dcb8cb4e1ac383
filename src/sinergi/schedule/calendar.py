"""Working-day calendars: worked weekdays, holidays, and offsets to and from dates."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import ScheduleError

#: Holiday categories taken from the `holidays` package: public holidays plus the
#: government's joint leave days (cuti bersama), which the package knows for the years a
#: decree (SKB 3 Menteri) has already been published.
NATIONAL_CATEGORIES = ("public", "government")

# Years beyond which we refuse to expand holiday tables: a schedule this long is a typo.
_MIN_YEAR = 1900
_MAX_YEAR = 2200


@functools.lru_cache(maxsize=64)
def national_holidays(country: str, first_year: int, last_year: int) -> dict[date, str]:
    """Return the national holidays (with cuti bersama where known) of a country and years."""
    import holidays as holidays_pkg

    try:
        table = holidays_pkg.country_holidays(
            country, years=range(first_year, last_year + 1), categories=NATIONAL_CATEGORIES
        )
    except NotImplementedError as exc:
        raise ScheduleError(
            "invalid_calendar", f"unknown national holiday calendar {country!r}"
        ) from exc
    return dict(sorted(table.items()))


@dataclass(frozen=True)
class Calendar:
    """A working-day calendar: worked weekdays (Monday = 0), holidays and national holidays.

    ``national`` names a country of the `holidays` package ("ID" for Indonesia); its dates
    are estimates for future years (lunar holidays, cuti bersama not yet decreed), so an
    administrator corrects them with ``holidays`` (added days off) and ``not_holidays``
    (package dates that the decree does not keep). Local holidays of a region are simply
    more ``holidays``.
    """

    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    holidays: frozenset[date] = field(default_factory=frozenset)
    national: str | None = None
    not_holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        days = tuple(sorted(set(self.weekdays)))
        if not days or any(not isinstance(d, int) or d < 0 or d > 6 for d in days):
            raise ScheduleError(
                "invalid_calendar",
                "calendar weekdays must be a non-empty list of integers 0..6 (Monday = 0)",
            )
        object.__setattr__(self, "weekdays", days)
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "not_holidays", frozenset(self.not_holidays))

    # -- construction -------------------------------------------------------------

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Calendar:
        """Build a calendar from its JSON form (weekdays, holidays, national_holidays)."""
        if not isinstance(doc, Mapping):
            raise ScheduleError("invalid_calendar", "calendar must be an object")
        weekdays = doc.get("weekdays", [0, 1, 2, 3, 4])
        if not isinstance(weekdays, list) or any(
            isinstance(d, bool) or not isinstance(d, int) for d in weekdays
        ):
            raise ScheduleError(
                "invalid_calendar", "calendar.weekdays must be a list of integers 0..6"
            )
        national = doc.get("national_holidays")
        if national is not None and not isinstance(national, str):
            raise ScheduleError(
                "invalid_calendar", 'calendar.national_holidays must be a country code like "ID"'
            )
        cal = cls(
            weekdays=tuple(weekdays),
            holidays=frozenset(_parse_dates(doc.get("holidays", []), "calendar.holidays")),
            national=national or None,
            not_holidays=frozenset(
                _parse_dates(doc.get("not_holidays", []), "calendar.not_holidays")
            ),
        )
        if cal.national is not None:
            national_holidays(cal.national, 2000, 2000)  # refuse an unknown country now
        return cal

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form of the calendar."""
        doc: dict[str, Any] = {
            "weekdays": list(self.weekdays),
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
        }
        if self.national:
            doc["national_holidays"] = self.national
        if self.not_holidays:
            doc["not_holidays"] = [d.isoformat() for d in sorted(self.not_holidays)]
        return doc

    def with_holidays(self, dates: Iterable[date]) -> Calendar:
        """Return this calendar with more days off (a region's local holidays, say)."""
        return Calendar(
            weekdays=self.weekdays,
            holidays=self.holidays | frozenset(dates),
            national=self.national,
            not_holidays=self.not_holidays,
        )

    # -- queries ------------------------------------------------------------------

    def holidays_between(self, first: date, last: date) -> list[date]:
        """Return every non-worked date in [first, last] that is not a weekly day off."""
        cal = _busdaycal(self, first.year, last.year)
        days = cal.holidays.astype(date)
        return [d for d in days if first <= d <= last]

    def is_working_day(self, day: date) -> bool:
        """Tell whether work happens on this date."""
        cal = _busdaycal(self, day.year, day.year)
        return bool(np.is_busday(np.datetime64(day, "D"), busdaycal=cal))

    def working_days_between(self, start: date, end: date) -> int:
        """Count working days in [start, end); minus the count of [end, start) if reversed."""
        lo, hi = (start, end) if start <= end else (end, start)
        cal = _busdaycal(self, lo.year, hi.year)
        # numpy counts (end, start] when the range is reversed, so swap ourselves.
        count = int(np.busday_count(np.datetime64(lo, "D"), np.datetime64(hi, "D"), busdaycal=cal))
        return count if start <= end else -count

    def offset(self, origin: date, day: date) -> int:
        """Return the working-day offset of a date from an origin (the count of [origin, day))."""
        return self.working_days_between(origin, day)

    def offsets(self, origin: date, days: NDArray[np.datetime64]) -> NDArray[np.int64]:
        """Return :meth:`offset` of many dates (a ``datetime64[D]`` array), vectorised."""
        if days.size == 0:
            return np.empty(0, dtype=np.int64)
        o = np.datetime64(origin, "D")
        lo = np.minimum(days, o)
        hi = np.maximum(days, o)
        # Holidays of a wider span of years than a pair needs change no count inside it.
        first: date = lo.min().astype(date)
        last: date = hi.max().astype(date)
        cal = _busdaycal(self, first.year, last.year)
        count = np.busday_count(lo, hi, busdaycal=cal).astype(np.int64)
        out: NDArray[np.int64] = np.where(days >= o, count, -count)
        return out

    def date_at(self, origin: date, offset: int) -> date:
        """Return the working day at an offset from the origin (offset 0: origin or next)."""
        out = self.dates_at(origin, np.asarray([offset], dtype=np.int64))
        result: date = out[0].astype(date)
        return result

    def dates_at(self, origin: date, offsets: NDArray[np.int64]) -> NDArray[np.datetime64]:
        """Return the working days at many offsets from the origin, vectorised."""
        if offsets.size == 0:
            return np.empty(0, dtype="datetime64[D]")
        lo = int(offsets.min())
        hi = int(offsets.max())
        per_week = len(self.weekdays)
        # Guess the span of years the answer needs, then widen until the answer lies inside
        # it, so every holiday between the origin and the answer is known.
        slack = 60
        while True:
            first = origin + timedelta(days=min(0, lo * 7 // per_week) - slack)
            last = origin + timedelta(days=max(0, hi * 7 // per_week) + slack)
            if first.year < _MIN_YEAR or last.year > _MAX_YEAR:
                raise ScheduleError(
                    "calendar_range",
                    f"working-day offsets {lo}..{hi} from {origin} leave the years "
                    f"{_MIN_YEAR}..{_MAX_YEAR}",
                )
            cal = _busdaycal(self, first.year, last.year)
            out = np.busday_offset(
                np.datetime64(origin, "D"), offsets, roll="forward", busdaycal=cal
            )
            if out.min() >= np.datetime64(f"{first.year}-01-01") and out.max() <= np.datetime64(
                f"{last.year}-12-31"
            ):
                return out
            slack = slack * 4 + 366


@functools.lru_cache(maxsize=256)
def _busdaycal(cal: Calendar, first_year: int, last_year: int) -> np.busdaycalendar:
    # Cached per (calendar, years) because schedules convert thousands of dates at once
    # and windows analysis converts them again for every update.
    mask = [1 if d in cal.weekdays else 0 for d in range(7)]
    days: set[date] = set()
    if cal.national:
        days = set(national_holidays(cal.national, first_year, last_year)) - cal.not_holidays
    days |= {d for d in cal.holidays if first_year <= d.year <= last_year}
    # numpy drops holidays that fall on weekly days off, which is what we want.
    return np.busdaycalendar(weekmask=mask, holidays=np.array(sorted(days), dtype="datetime64[D]"))


def parse_date(value: object, where: str) -> date:
    """Parse a YYYY-MM-DD string (or pass a date through), naming the field on failure."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ScheduleError("invalid_date", f"{where}: {value!r} is not a date in YYYY-MM-DD form")


def _parse_dates(values: object, where: str) -> list[date]:
    if not isinstance(values, list):
        raise ScheduleError("invalid_calendar", f"{where} must be a list of YYYY-MM-DD dates")
    return [parse_date(v, f"{where}[{i}]") for i, v in enumerate(values)]
