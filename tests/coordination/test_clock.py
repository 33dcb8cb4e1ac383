"""The SLA clock on real Indonesian holidays, and the routing help."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sinergi.coordination import sla
from sinergi.coordination.routing import AgencyProfile, suggest_agencies, words
from sinergi.schedule import Calendar

CAL = Calendar(national="ID")
TZ = ZoneInfo("Asia/Pontianak")
D = dt.date


def moment(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=TZ)


def test_information_request_over_christmas_and_new_year_2026() -> None:
    # Submitted Wed 23 Dec 2026: 24 Dec is cuti bersama, 25 Dec Christmas, 1 Jan New Year,
    # Tue 5 Jan 2027 Isra Mi'raj.
    due = sla.due_date(CAL, moment(2026, 12, 23), 10, TZ)
    assert due == D(2027, 1, 12)
    assert sla.working_days_left(CAL, due, D(2026, 12, 23)) == 10
    assert sla.working_days_left(CAL, due, D(2026, 12, 27)) == 10  # nothing worked yet
    assert sla.working_days_left(CAL, due, D(2026, 12, 28)) == 9
    assert sla.working_days_left(CAL, due, D(2027, 1, 12)) == 0
    assert sla.working_days_left(CAL, due, D(2027, 1, 13)) == -1
    assert sla.working_days_left(CAL, due, D(2027, 1, 19)) == -5


def test_due_moment_is_the_end_of_the_due_day_in_local_time() -> None:
    due = sla.due_date(CAL, moment(2026, 12, 23), 10, TZ)
    assert sla.end_of_day(due, TZ) == dt.datetime(2027, 1, 12, 17, 0, tzinfo=dt.UTC)
    # Extended once by 7 working days (UU 14/2008): 13, 14, 15, 18, 19, 20, 21 Jan.
    assert sla.due_date(CAL, moment(2026, 12, 23), 17, TZ) == D(2027, 1, 21)


def test_request_late_at_night_counts_from_the_local_date() -> None:
    # 23:30 WIB on Friday 20 Nov 2026 is still Friday locally (16:30 UTC).
    late = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)
    assert sla.due_date(CAL, late, 1, TZ) == D(2026, 11, 23)  # the Monday


def test_eid_2027_joint_leave_is_skipped() -> None:
    # Fri 5 Mar 2027 + 5 working days: 8 Mar Nyepi, 9–12 Mar Idul Fitri and cuti bersama,
    # 15 Mar cuti bersama -> 16, 17, 18, 19, 22 Mar.
    assert sla.due_date(CAL, moment(2027, 3, 5), 5, TZ) == D(2027, 3, 22)


def test_local_holiday_moves_the_due_date() -> None:
    local = CAL.with_holidays([D(2026, 11, 24)])
    assert sla.due_date(CAL, moment(2026, 11, 23), 1, TZ) == D(2026, 11, 24)
    assert sla.due_date(local, moment(2026, 11, 23), 1, TZ) == D(2026, 11, 25)


def test_escalation_steps_fall_on_working_days() -> None:
    due = D(2027, 1, 12)
    m = sla.step_moments(CAL, due, TZ, sla.StepOffsets(2, 0, 3, 7))
    assert m["remind"] == dt.datetime(2027, 1, 7, 17, tzinfo=dt.UTC)  # start of Fri 8 Jan WIB
    assert m["head"] == dt.datetime(2027, 1, 12, 17, tzinfo=dt.UTC)
    assert m["sekda"] == dt.datetime(2027, 1, 15, 17, tzinfo=dt.UTC)  # end of Fri 15 Jan
    assert m["bupati"] == dt.datetime(2027, 1, 21, 17, tzinfo=dt.UTC)


@given(
    start=st.dates(min_value=D(2026, 1, 1), max_value=D(2027, 11, 30)),
    days=st.integers(min_value=1, max_value=30),
)
def test_due_date_is_a_working_day_with_exactly_n_working_days(start: dt.date, days: int) -> None:
    due = sla.due_date(CAL, dt.datetime.combine(start, dt.time(10), tzinfo=TZ), days, TZ)
    assert CAL.is_working_day(due)
    assert sla.working_days_left(CAL, due, start) == days


def test_zero_day_sla_is_refused() -> None:
    with pytest.raises(ValueError):
        sla.due_date(CAL, moment(2026, 11, 2), 0, TZ)


AGENCIES = [
    AgencyProfile(
        "kantah-sanggau",
        "Kantor Pertanahan Kabupaten Sanggau",
        "Pelayanan pendaftaran tanah, sertipikat hak atas tanah, pengukuran dan pemetaan bidang",
        ("Pertanahan",),
    ),
    AgencyProfile(
        "dinkes-sanggau",
        "Dinas Kesehatan",
        "Pelayanan kesehatan, puskesmas, imunisasi, gizi, penanggulangan penyakit",
        ("Kesehatan",),
    ),
    AgencyProfile(
        "dpupr-sanggau",
        "Dinas Pekerjaan Umum dan Penataan Ruang",
        "Jalan, jembatan, irigasi, air minum, tata ruang",
        ("Pekerjaan Umum dan Penataan Ruang",),
    ),
]


def test_routing_suggests_the_land_office_for_land_certificates() -> None:
    got = suggest_agencies("Mohon data sertipikat tanah di lokasi jembatan", AGENCIES)
    assert got[0].slug == "kantah-sanggau"
    assert "tanah" in got[0].matched


def test_routing_suggests_health_for_immunisation_and_excludes() -> None:
    got = suggest_agencies("Cakupan imunisasi puskesmas 2026", AGENCIES)
    assert [s.slug for s in got] == ["dinkes-sanggau"]
    assert suggest_agencies("imunisasi", AGENCIES, exclude=["dinkes-sanggau"]) == []


def test_routing_with_no_meaningful_words() -> None:
    assert suggest_agencies("mohon data dan informasi", AGENCIES) == []
    assert words("jalan jalannya") == {"jalan"}
