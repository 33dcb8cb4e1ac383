"""The worked example of docs/scheduling.md: a road whose land a Kantor Pertanahan acquires.

Penetapan lokasi (Setda) is followed by land acquisition (Kantor Pertanahan) and the
technical design (Dinas PUPR); the environmental permit (DLH) starts 5 days into the
design; construction (Dinas PUPR) waits on the land (a hand-off), the design and the
permit; hand-over is a milestone. Calendar: Monday-Friday and Indonesian national
holidays with cuti bersama; the program starts on Monday 2 February 2026.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sinergi.schedule import Calendar, Link, StatusUpdate, Task

CAL = Calendar(national="ID")
START = date(2026, 2, 2)
PLAN = [
    Task("penlok", 5, "Setda"),
    Task("tanah", 20, "Kantor Pertanahan"),
    Task("desain", 15, "Dinas PUPR"),
    Task("amdal", 10, "DLH"),
    Task("konstruksi", 30, "Dinas PUPR"),
    Task("serah", 0, "Dinas PUPR"),
]
LINKS = [
    Link("penlok", "tanah"),
    Link("penlok", "desain"),
    Link("desain", "amdal", "SS", 5),
    Link("tanah", "konstruksi"),
    Link("desain", "konstruksi"),
    Link("amdal", "konstruksi"),
    Link("konstruksi", "serah"),
]


def _with(tasks: list[Task], **changes: dict[str, object]) -> list[Task]:
    return [replace(t, **changes[t.id]) if t.id in changes else t for t in tasks]  # type: ignore[arg-type]


# U1, Monday 2 March: penetapan lokasi done on time; design and permit on plan (2 days
# left each); land acquisition started on time but is only 25 % done (15 days left
# where the plan had 7).
U1_TASKS = _with(
    PLAN,
    penlok={"actual_start": date(2026, 2, 2), "actual_finish": date(2026, 2, 6)},
    desain={"actual_start": date(2026, 2, 9), "remaining_duration": 2},
    amdal={"actual_start": date(2026, 2, 18), "remaining_duration": 2},
    tanah={"actual_start": date(2026, 2, 9), "percent_complete": 25},
)
# U2, Monday 6 April: design and permit finished 3 March, the land on 27 March as the
# U1 forecast said, but Dinas PUPR has not started construction (no contractor yet).
U2_TASKS = _with(
    U1_TASKS,
    desain={"actual_finish": date(2026, 3, 3), "remaining_duration": None},
    amdal={"actual_finish": date(2026, 3, 3), "remaining_duration": None},
    tanah={"actual_finish": date(2026, 3, 27), "percent_complete": None},
)
# U3, Monday 4 May: construction started 6 April and runs to plan, but Dinas PUPR
# revised it from 30 to 35 working days.
U3_TASKS = _with(U2_TASKS, konstruksi={"duration": 35, "actual_start": date(2026, 4, 6)})

UPDATES = [
    StatusUpdate(START, PLAN, LINKS, label="U0"),
    StatusUpdate(date(2026, 3, 2), U1_TASKS, LINKS, label="U1"),
    StatusUpdate(date(2026, 4, 6), U2_TASKS, LINKS, label="U2"),
    StatusUpdate(date(2026, 5, 4), U3_TASKS, LINKS, revised_by="Dinas PUPR", label="U3"),
]


def document(tasks: list[Task], data_date: date) -> dict[str, object]:
    """Return the CLI document of a status of the program."""
    out = []
    for t in tasks:
        d: dict[str, object] = {"id": t.id, "duration": t.duration, "agency": t.agency}
        for key in ("actual_start", "actual_finish"):
            if getattr(t, key) is not None:
                d[key] = getattr(t, key).isoformat()
        for key in ("percent_complete", "remaining_duration"):
            if getattr(t, key) is not None:
                d[key] = getattr(t, key)
        out.append(d)
    return {
        "data_date": data_date.isoformat(),
        "calendar": {"weekdays": [0, 1, 2, 3, 4], "holidays": [], "national_holidays": "ID"},
        "tasks": out,
        "links": [{"from": x.pred, "to": x.succ, "type": x.type, "lag": x.lag} for x in LINKS],
    }
