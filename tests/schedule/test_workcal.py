"""Working-day calendars on the real 2026-2027 Indonesian holidays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sinergi.schedule import Calendar, ScheduleError, national_holidays

ID = Calendar(national="ID")


def test_lebaran_2026_with_cuti_bersama() -> None:
    # SKB 3 Menteri for 2026: Nyepi 19 March with cuti bersama 18 March, Idul Fitri
    # 21-22 March with cuti bersama 20, 23 and 24 March. Tuesday 17 March is the last
    # working day before, Wednesday 25 March the first after.
    days = national_holidays("ID", 2026, 2026)
    for d in (18, 19, 20, 21, 22, 23, 24):
        assert date(2026, 3, d) in days
    assert ID.date_at(date(2026, 3, 16), 1) == date(2026, 3, 17)
    assert ID.date_at(date(2026, 3, 16), 2) == date(2026, 3, 25)
    assert ID.working_days_between(date(2026, 3, 16), date(2026, 3, 27)) == 4  # 16, 17, 25, 26
    assert ID.offset(date(2026, 3, 25), date(2026, 3, 17)) == -1
    assert not ID.is_working_day(date(2026, 3, 23))
    assert Calendar().is_working_day(date(2026, 3, 23))
    # Weekend days are not listed: 21-22 March are a Saturday and a Sunday.
    assert ID.holidays_between(date(2026, 3, 16), date(2026, 3, 27)) == [
        date(2026, 3, 18),
        date(2026, 3, 19),
        date(2026, 3, 20),
        date(2026, 3, 23),
        date(2026, 3, 24),
    ]


def test_independence_day_and_christmas_2026() -> None:
    assert not ID.is_working_day(date(2026, 8, 17))  # Monday
    assert not ID.is_working_day(date(2026, 12, 24))  # cuti bersama Natal
    assert not ID.is_working_day(date(2026, 12, 25))
    assert ID.date_at(date(2026, 12, 23), 1) == date(2026, 12, 28)


def test_2027_lunar_dates_are_estimates_an_administrator_corrects() -> None:
    days = national_holidays("ID", 2027, 2027)
    assert "estimated" in days[date(2027, 3, 10)]
    # Suppose the decree moves Idul Fitri a day later and adds one more cuti bersama.
    decree = Calendar(
        national="ID",
        not_holidays=frozenset({date(2027, 3, 10)}),
        holidays=frozenset({date(2027, 3, 16)}),
    )
    assert not ID.is_working_day(date(2027, 3, 9))  # cuti bersama already in the table
    assert ID.is_working_day(date(2027, 3, 16))
    assert not decree.is_working_day(date(2027, 3, 16))
    assert decree.is_working_day(date(2027, 3, 10))
    assert ID.working_days_between(date(2027, 3, 8), date(2027, 3, 17)) == 1  # the 16th
    assert decree.working_days_between(date(2027, 3, 8), date(2027, 3, 17)) == 1  # the 10th


def test_local_holiday_of_a_region() -> None:
    # Hari jadi of a kabupaten, say: a local day off on top of the national ones.
    local = ID.with_holidays([date(2026, 7, 14)])
    assert ID.is_working_day(date(2026, 7, 14))
    assert not local.is_working_day(date(2026, 7, 14))
    assert local.working_days_between(date(2026, 7, 13), date(2026, 7, 16)) == 2


def test_six_day_week() -> None:
    cal = Calendar(weekdays=(0, 1, 2, 3, 4, 5))
    assert cal.date_at(date(2026, 6, 5), 1) == date(2026, 6, 6)  # Saturday worked
    assert cal.date_at(date(2026, 6, 6), 1) == date(2026, 6, 8)


def test_origin_on_a_holiday_rolls_forward() -> None:
    assert ID.date_at(date(2026, 8, 15), 0) == date(2026, 8, 18)  # Sat -> Tue after 17 Aug
    assert ID.date_at(date(2026, 8, 15), -1) == date(2026, 8, 14)


def test_long_offsets_widen_the_holiday_table() -> None:
    far = ID.date_at(date(2026, 1, 2), 1000)
    assert far.year >= 2029
    assert ID.offset(date(2026, 1, 2), far) == 1000


def test_bad_calendars_are_refused() -> None:
    with pytest.raises(ScheduleError):
        Calendar(weekdays=())
    with pytest.raises(ScheduleError):
        Calendar(weekdays=(7,))
    with pytest.raises(ScheduleError) as err:
        Calendar.from_dict({"national_holidays": "XX"})
    assert err.value.code == "invalid_calendar"
    with pytest.raises(ScheduleError) as err:
        Calendar.from_dict({"holidays": ["2026-02-30"]})
    assert err.value.code == "invalid_date"


def test_round_trip_json() -> None:
    cal = Calendar.from_dict(
        {"weekdays": [0, 1, 2, 3, 4, 5], "holidays": ["2026-07-14"], "national_holidays": "ID"}
    )
    assert Calendar.from_dict(cal.to_dict()) == cal


@settings(max_examples=80, deadline=None)
@given(
    st.dates(date(2025, 6, 1), date(2027, 12, 31)),
    st.integers(-300, 300),
    st.sets(st.integers(0, 6), min_size=1),
)
def test_offsets_and_dates_round_trip(origin: date, offset: int, weekdays: set[int]) -> None:
    cal = Calendar(weekdays=tuple(weekdays), national="ID")
    day = cal.date_at(origin, offset)
    assert cal.is_working_day(day)
    assert cal.offset(origin, day) == offset
    # Counting by walking day by day agrees with the vectorised count.
    lo, hi = sorted((origin, day))
    walked = sum(cal.is_working_day(lo + timedelta(days=i)) for i in range((hi - lo).days))
    assert abs(cal.working_days_between(origin, day)) == walked
