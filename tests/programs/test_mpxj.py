"""XER and MSPDI exports read back by MPXJ, the library behind most schedule converters,
and compared task by task with Sinergi's own schedule.

MPXJ runs in a Java VM through JPype: one VM per test process (a VM cannot be restarted in
a process; each pytest-xdist worker is its own process). Without Java or the ``mpxj``
package the tests are skipped locally and fail in CI (``CI=true``).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SPAM = "SPAM-SANGGAU-2026"

STUNTING = "STUNTING-2026"
FUTURE_START = dt.date(2027, 1, 4)  # a Monday after New Year's Day and a weekend


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"MPXJ is required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def mpxj_read(tmp_path_factory: pytest.TempPathFactory) -> Callable[[bytes, str], Any]:
    """``mpxj_read(data, suffix)`` reads a schedule file with MPXJ's UniversalProjectReader
    and gives the ProjectFile. The Java VM starts once per test process."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _unavailable("no Java runtime (apt-get install openjdk-17-jre-headless)")
    try:
        import jpype
        import mpxj  # noqa: F401 - puts MPXJ's jars on the class path
    except ImportError:
        _unavailable("the mpxj and jpype1 packages are not installed (pip install -e '.[test]')")
    if not jpype.isJVMStarted():
        jpype.startJVM()
    from org.mpxj.reader import UniversalProjectReader  # type: ignore[import-not-found]

    folder = tmp_path_factory.mktemp("mpxj")

    def read(data: bytes, suffix: str) -> Any:
        path = folder / f"schedule-{len(list(folder.iterdir()))}{suffix}"
        path.write_bytes(data)
        project = UniversalProjectReader().read(str(path))
        assert project is not None, f"MPXJ could not read {Path(path).name}"
        return project

    return read


def _date(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value.toLocalDate()))


def _days(project: Any, duration: Any) -> float | None:
    from org.mpxj import TimeUnit  # type: ignore[import-not-found]

    if duration is None:
        return None
    days = duration.convertUnits(TimeUnit.DAYS, project.getProjectProperties()).getDuration()
    return round(float(days), 6)


def _mpxj_tasks(project: Any) -> dict[int, dict[str, Any]]:
    """What MPXJ read, per task unique id, in working days and dates."""
    out: dict[int, dict[str, Any]] = {}
    for t in project.getTasks():
        if t.getSummary() or t.getName() is None:
            continue
        out[int(t.getUniqueID())] = {
            "name": str(t.getName()),
            "start": _date(t.getStart()),
            "finish": _date(t.getFinish()),
            "duration": _days(project, t.getDuration()),
            "remaining": _days(project, t.getRemainingDuration()),
            "early": (_date(t.getEarlyStart()), _date(t.getEarlyFinish())),
            "late": (_date(t.getLateStart()), _date(t.getLateFinish())),
            "total_float": _days(project, t.getTotalSlack()),
            "free_float": _days(project, t.getFreeSlack()),
            "milestone": bool(t.getMilestone()),
            "actual": (_date(t.getActualStart()), _date(t.getActualFinish())),
            "predecessors": sorted(
                (
                    int(r.getPredecessorTask().getUniqueID()),
                    str(r.getType()),
                    _days(project, r.getLag()),
                )
                for r in t.getPredecessors()
            ),
            "planned_duration": _days(project, t.getPlannedDuration()),
        }
    return out


def _sinergi_tasks(program: Any, now: dt.datetime) -> dict[int, dict[str, Any]]:
    """Sinergi's own schedule of the program, in the same shape."""
    from sinergi.programs.scheduling import program_calendar, program_schedule

    ps = program_schedule(program, now=now)
    cal = program_calendar(program)
    preds: dict[int, list[tuple[int, str, float]]] = {}
    for ln in ps.links:
        preds.setdefault(ln.succ, []).append((ln.pred, ln.type, float(ln.lag)))
    out = {}
    for it in ps.items:
        span = (
            0
            if it.duration == 0
            else cal.working_days_between(it.start, it.finish + dt.timedelta(days=1))
        )
        out[it.id] = {
            "name": it.title,
            "start": it.start,
            "finish": it.finish,
            "duration": float(span),
            "remaining": float(it.remaining),
            "early": (it.start, it.finish),
            "late": (it.late_start, it.late_finish),
            "total_float": float(it.total_float),
            "free_float": float(it.free_float),
            "milestone": it.milestone,
            "actual": (it.actual_start, it.actual_finish),
            "predecessors": sorted(preds.get(it.id, [])),
            "planned_duration": float(it.duration),
        }
    return out


def _differences(program: Any, project: Any, now: dt.datetime, fmt: str) -> list[str]:
    """Every field of every task where MPXJ reads something else than Sinergi schedules."""
    ours = _sinergi_tasks(program, now)
    theirs = _mpxj_tasks(project)
    diffs = []
    if set(ours) != set(theirs):
        diffs.append(f"tasks: {sorted(set(ours) ^ set(theirs))[:10]} in one only")
    for uid, mine in ours.items():
        read = theirs.get(uid)
        if read is None:
            continue
        for key, value in mine.items():
            if key == "planned_duration" and fmt == "mspdi":
                continue  # MSPDI has no original duration besides baselines
            if read[key] != value:
                diffs.append(f"{fmt} task {uid} {key}: Sinergi {value!r}, MPXJ {read[key]!r}")
    return diffs


def _calendar_differences(program: Any, project: Any, now: dt.datetime) -> list[str]:
    """Days where MPXJ's calendar works and Sinergi's does not, or the other way round."""
    from java.time import LocalDate  # type: ignore[import-not-found]

    from sinergi.programs.scheduling import program_calendar, program_schedule

    cal = program_calendar(program)
    ps = program_schedule(program, now=now)
    theirs = project.getDefaultCalendar()
    first = min([program.planned_start, *(i.start for i in ps.items)])
    last = max([ps.data_date, *(i.late_finish or i.finish for i in ps.items)])
    diffs = []
    day = first
    while day <= last:
        mine = cal.is_working_day(day)
        read = bool(theirs.isWorkingDate(LocalDate.of(day.year, day.month, day.day)))
        if mine != read:
            diffs.append(f"{day}: Sinergi {'works' if mine else 'off'}, MPXJ {read}")
        day += dt.timedelta(days=1)
    return diffs


def _check(program: Any, mpxj_read: Callable[[bytes, str], Any], now: dt.datetime) -> None:
    from sinergi.programs.exchange import export_mspdi
    from sinergi.programs.xer import export_xer

    for fmt, data, suffix in (
        ("xer", export_xer(program, now=now), ".xer"),
        ("mspdi", export_mspdi(program, now=now), ".xml"),
    ):
        project = mpxj_read(data, suffix)
        app = str(project.getProjectProperties().getFileType())
        assert app == ("XER" if fmt == "xer" else "MSPDI")
        assert _differences(program, project, now, fmt) == []
        assert _calendar_differences(program, project, now) == []


@pytest.mark.django_db
@pytest.mark.parametrize("code", [SPAM, STUNTING])
def test_mpxj_reads_the_demo_programs_as_sinergi_schedules_them(
    code: str, mpxj_read: Callable[[bytes, str], Any], now: dt.datetime
) -> None:
    from sinergi.programs.models import Program

    program = Program.objects.get(code=code)
    _check(program, mpxj_read, now)


def _generated_program(now: dt.datetime, size: int = 500) -> Any:
    """A program starting 2027-01-04 with ``size`` items: a start milestone, work of 1-30
    days, some milestones, start and deadline constraints, and links of all four types
    with positive and negative lags (made from a seeded random generator)."""
    import csv
    import io

    from sinergi.agencies.models import Agency
    from sinergi.core.permissions import SYSTEM
    from sinergi.programs.exchange import CSV_COLUMNS, schedule_import
    from sinergi.programs.services import program_create

    rng = random.Random(19)
    coordinator = Agency.objects.get(slug="bappeda-sanggau")
    program = program_create(
        actor=SYSTEM,
        code="GEN-500",
        title="Generated 500",
        coordinator=coordinator,
        planned_start=FUTURE_START,
        now=now,
    )
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    for n in range(size):
        milestone = n == 0 or n == size - 1 or rng.random() < 0.08
        duration = 0 if milestone else rng.randint(1, 30)
        links = []
        if n:
            for _ in range(rng.randint(1, 3)):
                pred = rng.randrange(max(0, n - 40), n)
                typ = rng.choice(["FS", "FS", "SS", "FF", "SF"])
                lag = rng.choice([0, 0, 0, 1, 2, 5, 10, -1, -3])
                links.append(f"G{pred:03d}{typ}{lag:+d}")
        earliest = ""
        if n and rng.random() < 0.04:
            earliest = (FUTURE_START + dt.timedelta(days=rng.randint(0, 400))).isoformat()
        deadline = ""
        if rng.random() < 0.03:
            deadline = (FUTURE_START + dt.timedelta(days=rng.randint(60, 900))).isoformat()
        w.writerow(
            [
                f"G{n:03d}",
                f"Kegiatan {n} — lokasi {n % 7} m³",
                coordinator.slug,
                duration,
                int(milestone),
                earliest,
                deadline,
                0,
                "",
                "",
                ";".join(dict.fromkeys(links)),
            ]
        )
    schedule_import(actor=SYSTEM, program=program, data=out.getvalue().encode(), fmt="csv", now=now)
    program.refresh_from_db()
    return program


@pytest.mark.django_db
def test_mpxj_reads_a_generated_500_item_program_with_every_link_type(
    mpxj_read: Callable[[bytes, str], Any], now: dt.datetime
) -> None:
    from sinergi.programs.models import Dependency
    from sinergi.programs.scheduling import program_schedule

    program = _generated_program(now)
    links = Dependency.objects.filter(program=program)
    assert {d.type for d in links} == {"FS", "SS", "FF", "SF"}
    assert links.filter(lag__lt=0).exists() and links.filter(lag__gt=0).exists()
    ps = program_schedule(program, now=now)
    assert len(ps.items) == 500 and not ps.error
    assert any(i.total_float < 0 for i in ps.items)  # a deadline that cannot be met
    _check(program, mpxj_read, now)


@pytest.mark.django_db
def test_a_start_milestone_is_dated_on_the_program_start_in_both_exports(
    mpxj_read: Callable[[bytes, str], Any], now: dt.datetime
) -> None:
    from sinergi.programs.exchange import export_mspdi
    from sinergi.programs.scheduling import program_schedule
    from sinergi.programs.xer import export_xer

    program = _generated_program(now, size=12)
    first = next(i for i in program_schedule(program, now=now).items if i.wbs == "G000")
    assert first.milestone and first.start == first.finish == FUTURE_START
    for data, suffix in (
        (export_xer(program, now=now), ".xer"),
        (export_mspdi(program, now=now), ".xml"),
    ):
        task = _mpxj_tasks(mpxj_read(data, suffix))[first.id]
        assert (task["start"], task["finish"]) == (FUTURE_START, FUTURE_START)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["xer", "mspdi"])
def test_the_generated_program_comes_back_the_same_through_its_exports(
    fmt: str, now: dt.datetime
) -> None:
    from sinergi.core.permissions import SYSTEM
    from sinergi.programs.exchange import export_mspdi, schedule_import
    from sinergi.programs.models import Dependency
    from sinergi.programs.scheduling import program_schedule
    from sinergi.programs.services import program_create
    from sinergi.programs.xer import export_xer

    program = _generated_program(now)
    data = (export_xer if fmt == "xer" else export_mspdi)(program, now=now)
    copy = program_create(
        actor=SYSTEM,
        code=f"GEN-{fmt.upper()}",
        title="Copy",
        coordinator=program.coordinator,
        planned_start=program.planned_start,
        now=now,
    )
    counts = schedule_import(actor=SYSTEM, program=copy, data=data, fmt=fmt, now=now)
    assert counts["work_items"] == 500
    copy.refresh_from_db()

    def plan(p: Any) -> dict[str, tuple[Any, ...]]:
        return {
            i.wbs: (i.duration, i.start, i.finish, i.total_float, i.free_float, i.late_start)
            for i in program_schedule(p, now=now).items
        }

    def links(p: Any) -> set[tuple[str, str, str, int]]:
        return {
            (d.predecessor.wbs, d.successor.wbs, d.type, d.lag)
            for d in Dependency.objects.filter(program=p).select_related("predecessor", "successor")
        }

    assert plan(copy) == plan(program)
    assert links(copy) == links(program)


@pytest.mark.django_db
def test_a_program_without_work_items_exports_an_empty_schedule(
    mpxj_read: Callable[[bytes, str], Any], now: dt.datetime
) -> None:
    from sinergi.agencies.models import Agency
    from sinergi.core.permissions import SYSTEM
    from sinergi.programs.exchange import export_mspdi
    from sinergi.programs.services import program_create
    from sinergi.programs.xer import export_xer

    program = program_create(
        actor=SYSTEM,
        code="KOSONG",
        title="Kosong",
        coordinator=Agency.objects.get(slug="bappeda-sanggau"),
        planned_start=FUTURE_START,
        now=now,
    )
    for data, suffix in (
        (export_xer(program, now=now), ".xer"),
        (export_mspdi(program, now=now), ".xml"),
    ):
        project = mpxj_read(data, suffix)
        assert _mpxj_tasks(project) == {}
        assert _calendar_differences(program, project, now) == []
