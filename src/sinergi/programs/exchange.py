"""Schedule exchange: MS Project XML (MSPDI) and CSV of work items.

Imports are all-or-nothing: the file is parsed and every row checked first; if any row is
bad, every bad row is reported and nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import math
import re
import xml.etree.ElementTree as ET  # noqa: S405 - only to build exports; parsing uses defusedxml
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import defusedxml
import defusedxml.ElementTree as defused_et
from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from sinergi.core import uploads
from sinergi.core.audit import audit_record
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import ensure_can
from sinergi.core.spreadsheets import neutralise
from sinergi.schedule import Link, Network, ScheduleError

from .choices import ImportState, WorkStatus
from .models import MAX_DAYS, Dependency, Program, ProgressUpdate, ScheduleImport, WorkItem
from .scheduling import (
    ProgramSchedule,
    local_today,
    program_calendar,
    program_schedule,
    remember_plan,
)
from .services import bump_plan

logger = logging.getLogger(__name__)
NS = "http://schemas.microsoft.com/project"
MAX_ROWS = 50_000
MINUTES_PER_DAY = 480
# MSPDI link types: 0 FF, 1 FS, 2 SF, 3 SS.
MSP_TYPES = {"0": "FF", "1": "FS", "2": "SF", "3": "SS"}
MSP_CODES = {v: k for k, v in MSP_TYPES.items()}
WBS_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
DURATION_RE = re.compile(r"^PT(\d+(?:\.\d+)?)H(\d+(?:\.\d+)?)M(\d+(?:\.\d+)?)S$")
LINK_RE = re.compile(
    r"^(?P<wbs>[A-Za-z0-9][A-Za-z0-9._-]*?)(?P<type>FS|SS|FF|SF)?(?P<lag>[+-]\d+)?$"
)


@dataclass
class ImportRow:
    """One work item read from a file, before anything is written."""

    line: str
    wbs: str
    title: str
    owner: str
    duration: int
    milestone: bool = False
    earliest_start: dt.date | None = None
    deadline: dt.date | None = None
    percent_complete: int = 0
    actual_start: dt.date | None = None
    actual_finish: dt.date | None = None
    remaining_duration: int | None = None
    links: list[tuple[str, str, int]] = field(default_factory=list)  # (pred wbs, type, lag)
    # field → column label ("D (Duration)") for spreadsheets: problems then name the cell.
    columns: dict[str, str] = field(default_factory=dict)

    def problem_lines(self, problems: list[tuple[str, str]]) -> list[str]:
        """Problems of this row as report lines: one per cell for a spreadsheet, one per
        row otherwise."""
        if not problems:
            return []
        if self.columns:
            return [
                _("%(row)s, column %(column)s: %(message)s")
                % {"row": self.line, "column": self.columns.get(f, f), "message": m}
                for f, m in problems
            ]
        return [f"{self.line} [{self.wbs}]: " + "; ".join(m for _f, m in problems)]


# --- export ----------------------------------------------------------------------------

# A working day is 08:00-12:00 and 13:00-17:00: 8 hours, as P6 and MS Project count it by
# default (see docs/decisions/schedule-exchange-hours.md). Sinergi counts whole days.
HOURS_PER_DAY = MINUTES_PER_DAY // 60
WORK_PERIODS = (("08:00", "12:00"), ("13:00", "17:00"))
CALENDAR_NAME = "Standar Indonesia (Senin-Jumat, libur nasional)"


def _d(value: dt.date | None, hour: int = 8) -> str:
    if value is None:
        return ""
    return dt.datetime(value.year, value.month, value.day, hour).isoformat()  # noqa: DTZ001


@dataclass
class _Times:
    """One task's dates with the hour of day readers expect, and its durations in days."""

    start: dt.date
    start_hour: int
    finish: dt.date
    finish_hour: int
    late_start: dt.date
    late_start_hour: int
    late_finish: dt.date
    late_finish_hour: int
    resume: dt.date | None  # where the remaining work starts (None once finished)
    rem_late_start: dt.date | None
    span: int  # working days from start to finish (the duration at completion)


def _times(ps: ProgramSchedule, cal: Any) -> dict[int, _Times]:
    """Dates and hours of every item: work starts at 08:00 and finishes at 17:00; a
    milestone is one instant, 17:00 when finishing work reaches it, else 08:00."""
    sched = ps.schedule
    out: dict[int, _Times] = {}
    for it in ps.items:
        late_s = it.late_start or it.start
        late_f = it.late_finish or it.finish
        resume = rem_late = None
        if it.actual_finish is None and sched is not None:
            i = sched.network.index[str(it.id)]
            rs = int(sched.result.rs[i])
            resume = cal.date_at(ps.data_date, rs) if it.actual_start else it.start
            rem_late = cal.date_at(ps.data_date, rs + it.total_float) if it.actual_start else late_s
        if it.duration == 0 and it.actual_start is None:
            hour = 17 if (it.at_close or it.actual_finish) else 8
            out[it.id] = _Times(
                it.start, hour, it.finish, hour, late_s, hour, late_f, hour, resume, rem_late, 0
            )
            continue
        if it.duration == 0 and it.start == it.finish:
            span = 0
            hours = (17, 17, 17, 17)
        else:
            span = cal.working_days_between(it.start, it.finish + dt.timedelta(days=1))
            hours = (8, 17, 8, 17)
        out[it.id] = _Times(
            it.start,
            hours[0],
            it.finish,
            hours[1],
            late_s,
            hours[2],
            late_f,
            hours[3],
            resume,
            rem_late,
            span,
        )
    return out


def _calendar_span(
    program: Program, ps: ProgramSchedule, times: dict[int, _Times]
) -> tuple[dt.date, dt.date]:
    """Whole years around the program, so that a reader moving a date finds the holidays."""
    days = [program.planned_start, ps.data_date]
    for t in times.values():
        days += [t.start, t.finish, t.late_start, t.late_finish]
    return dt.date(min(days).year, 1, 1), dt.date(max(days).year + 1, 12, 31)


def _holidays(program: Program, ps: ProgramSchedule, times: dict[int, _Times]) -> list[dt.date]:
    """Days off other than the weekly ones (national holidays and cuti bersama)."""
    cal = program_calendar(program)
    first, last = _calendar_span(program, ps, times)
    return [d for d in cal.holidays_between(first, last) if d.weekday() in cal.weekdays]


def _duration(days: int) -> str:
    return f"PT{days * HOURS_PER_DAY}H0M0S"


def export_mspdi(program: Program, *, now: dt.datetime) -> bytes:
    """The program as an MS Project XML document: tasks with planned, early and late dates,
    durations (at completion, remaining, actual), total and free slack, links with type and
    lag, the working-day calendar with the Indonesian holidays as exceptions, actuals and
    agencies as resources."""
    ps = program_schedule(program, now=now)
    cal = program_calendar(program)
    times = _times(ps, cal)
    items = {wi.pk: wi for wi in WorkItem.objects.filter(program=program)}
    preds: dict[int, list[Any]] = {}
    for ln in ps.links:
        preds.setdefault(ln.succ, []).append(ln)
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}Project")

    def sub(parent: ET.Element, tag: str, text: object = None) -> ET.Element:
        el = ET.SubElement(parent, f"{{{NS}}}{tag}")
        if text is not None:
            el.text = str(text)
        return el

    sub(root, "SaveVersion", 14)
    sub(root, "Name", f"{program.code}.xml")
    sub(root, "Title", program.title)
    sub(root, "ScheduleFromStart", 1)
    sub(root, "StartDate", _d(program.planned_start))
    if ps.finish_date:
        sub(root, "FinishDate", _d(ps.finish_date, 17))
    sub(root, "StatusDate", _d(ps.data_date))
    sub(root, "CurrentDate", _d(ps.data_date))
    sub(root, "CalendarUID", 1)
    sub(root, "DefaultStartTime", "08:00:00")
    sub(root, "DefaultFinishTime", "17:00:00")
    sub(root, "MinutesPerDay", MINUTES_PER_DAY)
    sub(root, "MinutesPerWeek", MINUTES_PER_DAY * len(cal.weekdays))
    sub(root, "DaysPerMonth", 20)
    sub(root, "DurationFormat", 7)
    cals = sub(root, "Calendars")
    cal_el = sub(cals, "Calendar")
    sub(cal_el, "UID", 1)
    sub(cal_el, "Name", CALENDAR_NAME)
    sub(cal_el, "IsBaseCalendar", 1)
    week = sub(cal_el, "WeekDays")
    for day_type in range(1, 8):  # 1 = Sunday
        wd = sub(week, "WeekDay")
        sub(wd, "DayType", day_type)
        working = (day_type + 5) % 7 in cal.weekdays
        sub(wd, "DayWorking", int(working))
        if working:
            wts = sub(wd, "WorkingTimes")
            for start, finish in WORK_PERIODS:
                wt = sub(wts, "WorkingTime")
                sub(wt, "FromTime", f"{start}:00")
                sub(wt, "ToTime", f"{finish}:00")
    holidays = _holidays(program, ps, times)
    if holidays:
        exc = sub(cal_el, "Exceptions")
        for day in holidays:
            e = sub(exc, "Exception")
            sub(e, "EnteredByOccurrences", 0)
            tp = sub(e, "TimePeriod")
            sub(tp, "FromDate", _d(day, 0))
            sub(tp, "ToDate", dt.datetime(day.year, day.month, day.day, 23, 59).isoformat())  # noqa: DTZ001
            sub(e, "Occurrences", 1)
            sub(e, "Name", "Libur")
            sub(e, "Type", 1)
            sub(e, "DayWorking", 0)
    tasks = sub(root, "Tasks")
    owners: dict[int, tuple[int, str, str]] = {}
    tenths = MINUTES_PER_DAY * 10  # MSPDI slack and lag are in tenths of a minute
    for n, it in enumerate(ps.items, start=1):
        wi = items[it.id]
        tm = times[it.id]
        t = sub(tasks, "Task")
        sub(t, "UID", it.id)
        sub(t, "ID", n)
        sub(t, "Name", it.title)
        sub(t, "WBS", it.wbs)
        sub(t, "OutlineLevel", 1)
        sub(t, "Start", _d(tm.start, tm.start_hour))
        sub(t, "Finish", _d(tm.finish, tm.finish_hour))
        sub(t, "Duration", _duration(tm.span))
        sub(t, "DurationFormat", 7)
        sub(t, "Milestone", int(it.milestone))
        sub(t, "EarlyStart", _d(tm.start, tm.start_hour))
        sub(t, "EarlyFinish", _d(tm.finish, tm.finish_hour))
        sub(t, "LateStart", _d(tm.late_start, tm.late_start_hour))
        sub(t, "LateFinish", _d(tm.late_finish, tm.late_finish_hour))
        sub(t, "PercentComplete", it.percent_complete)
        if it.actual_start:
            sub(t, "ActualStart", _d(tm.start, tm.start_hour))
        if it.actual_finish:
            sub(t, "ActualFinish", _d(tm.finish, tm.finish_hour))
        sub(t, "RemainingDuration", _duration(it.remaining))
        if it.actual_start or it.actual_finish:
            sub(t, "ActualDuration", _duration(max(tm.span - it.remaining, 0)))
        if wi.earliest_start:
            sub(t, "ConstraintType", 4)  # start no earlier than
            sub(t, "ConstraintDate", _d(wi.earliest_start))
        else:
            sub(t, "ConstraintType", 0)
        if wi.deadline:
            sub(t, "Deadline", _d(wi.deadline, 17))
        sub(t, "Critical", int(it.critical))
        sub(t, "FreeSlack", it.free_float * tenths)
        sub(t, "TotalSlack", it.total_float * tenths)
        for ln in preds.get(it.id, []):
            pl = sub(t, "PredecessorLink")
            sub(pl, "PredecessorUID", ln.pred)
            sub(pl, "Type", MSP_CODES[ln.type])
            sub(pl, "LinkLag", ln.lag * tenths)
            sub(pl, "LagFormat", 7)
        if it.owner_id not in owners:
            owners[it.owner_id] = (len(owners) + 1, it.owner_slug, it.owner_name)
    resources = sub(root, "Resources")
    for uid, slug, name in owners.values():
        r = sub(resources, "Resource")
        sub(r, "UID", uid)
        sub(r, "ID", uid)
        sub(r, "Name", name)
        sub(r, "Initials", slug)
        sub(r, "Type", 1)
    assignments = sub(root, "Assignments")
    for n, it in enumerate(ps.items, start=1):
        a = sub(assignments, "Assignment")
        sub(a, "UID", n)
        sub(a, "TaskUID", it.id)
        sub(a, "ResourceUID", owners[it.owner_id][0])
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def program_rows(program: Program, *, now: dt.datetime) -> list[dict[str, Any]]:
    """Work items in WBS order as flat rows (the CSV and XLSX layouts)."""
    ps = program_schedule(program, now=now)
    wbs = {i.id: i.wbs for i in ps.items}
    preds: dict[int, list[str]] = {}
    for ln in ps.links:
        preds.setdefault(ln.succ, []).append(f"{wbs[ln.pred]}{ln.type}{ln.lag:+d}")
    items = {wi.pk: wi for wi in WorkItem.objects.filter(program=program)}
    return [
        {
            "wbs": it.wbs,
            "title": it.title,
            "owner": it.owner_slug,
            "duration": it.duration,
            "milestone": it.milestone,
            "earliest_start": items[it.id].earliest_start,
            "deadline": items[it.id].deadline,
            "percent_complete": it.percent_complete,
            "actual_start": it.actual_start,
            "actual_finish": it.actual_finish,
            "predecessors": ";".join(preds.get(it.id, [])),
        }
        for it in ps.items
    ]


def export_csv(program: Program, *, now: dt.datetime) -> bytes:
    """Work items as CSV: one row per item, predecessors as ``WBS[TYPE][±lag]`` lists."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    for r in program_rows(program, now=now):
        w.writerow(
            [
                neutralise(r["wbs"]),
                neutralise(r["title"]),
                r["owner"],
                r["duration"],
                int(r["milestone"]),
                _iso(r["earliest_start"]),
                _iso(r["deadline"]),
                r["percent_complete"],
                _iso(r["actual_start"]),
                _iso(r["actual_finish"]),
                r["predecessors"],
            ]
        )
    return out.getvalue().encode("utf-8")


CSV_COLUMNS = (
    "wbs",
    "title",
    "owner",
    "duration",
    "milestone",
    "earliest_start",
    "deadline",
    "percent_complete",
    "actual_start",
    "actual_finish",
    "predecessors",
)


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


# --- parsing ---------------------------------------------------------------------------


def _check_size(data: bytes) -> None:
    uploads.check_size(len(data), uploads.SCHEDULE)
    if not data.strip():
        raise ValidationFailed(fields={"file": [_("The file is empty.")]})


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    return dt.date.fromisoformat(text.strip()[:10])


def parse_mspdi(data: bytes) -> list[ImportRow]:
    """Read the tasks of an MSPDI document; raise ValidationFailed listing every bad task."""
    _check_size(data)
    head = data[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data.upper():
        raise ValidationFailed(fields={"file": [_("XML with a DTD or entities is refused.")]})
    try:
        root = defused_et.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise ValidationFailed(
            fields={"file": [_("XML with a DTD or entities is refused.")]}
        ) from exc
    except ET.ParseError as exc:
        raise ValidationFailed(
            fields={"file": [_("The file is not well-formed XML: %s") % exc]}
        ) from exc
    if root.tag != f"{{{NS}}}Project":
        raise ValidationFailed(fields={"file": [_("This is not an MS Project XML document.")]})

    def txt(el: ET.Element, tag: str) -> str:
        found = el.find(f"{{{NS}}}{tag}")
        return (found.text or "").strip() if found is not None else ""

    resources = {
        txt(r, "UID"): txt(r, "Initials") or txt(r, "Name")
        for r in root.iterfind(f"{{{NS}}}Resources/{{{NS}}}Resource")
    }
    owner_of = {
        txt(a, "TaskUID"): resources.get(txt(a, "ResourceUID"), "")
        for a in root.iterfind(f"{{{NS}}}Assignments/{{{NS}}}Assignment")
    }
    rows: list[ImportRow] = []
    errors: list[str] = []
    raw_links: list[tuple[ImportRow, str, str, str]] = []
    uid_wbs: dict[str, str] = {}
    for n, t in enumerate(root.iterfind(f"{{{NS}}}Tasks/{{{NS}}}Task"), start=1):
        if len(rows) >= MAX_ROWS:
            errors.append(_("More than %d tasks.") % MAX_ROWS)
            break
        uid = txt(t, "UID")
        where = _("Task %(n)d (UID %(uid)s)") % {"n": n, "uid": uid or "?"}
        if txt(t, "Summary") == "1" or uid == "0" or txt(t, "IsNull") == "1":
            continue
        problems: list[str] = []
        wbs = txt(t, "WBS") or txt(t, "ID") or uid
        if not WBS_RE.match(wbs):
            problems.append(_("WBS code %r is not valid") % wbs[:50])
        name = txt(t, "Name")[:200]
        if not name:
            problems.append(_("the name is empty"))
        duration = 0
        m = DURATION_RE.match(txt(t, "Duration") or "PT0H0M0S")
        if m is None:
            problems.append(_("duration %r is not ISO 8601 hours") % txt(t, "Duration")[:30])
        else:
            minutes = float(m.group(1)) * 60 + float(m.group(2)) + float(m.group(3)) / 60
            duration = math.ceil(minutes / MINUTES_PER_DAY - 1e-9)
            if duration > MAX_DAYS:
                problems.append(_("duration is longer than %d working days") % MAX_DAYS)
        row = ImportRow(line=where, wbs=wbs, title=name, owner=owner_of.get(uid, ""), duration=0)
        row.duration = duration
        row.milestone = txt(t, "Milestone") == "1" or duration == 0
        try:
            if txt(t, "ConstraintType") in ("2", "4"):  # must/no earlier than start
                row.earliest_start = _date(txt(t, "ConstraintDate"))
            row.deadline = _date(txt(t, "Deadline"))
            row.actual_start = _date(txt(t, "ActualStart"))
            row.actual_finish = _date(txt(t, "ActualFinish"))
        except ValueError:
            problems.append(_("a date is not valid"))
        pct = txt(t, "PercentComplete") or "0"
        if not pct.isdigit() or int(pct) > 100:
            problems.append(_("percent complete %r is not 0–100") % pct[:10])
        else:
            row.percent_complete = int(pct)
        remaining = txt(t, "RemainingDuration")
        if remaining and row.actual_start and not row.actual_finish:
            rm = DURATION_RE.match(remaining)
            if rm is None:
                problems.append(_("remaining duration %r is not ISO 8601 hours") % remaining[:30])
            else:
                hours = float(rm.group(1)) + float(rm.group(2)) / 60
                row.remaining_duration = min(math.ceil(hours / 8 - 1e-9), MAX_DAYS)
        for pl in t.iterfind(f"{{{NS}}}PredecessorLink"):
            raw_links.append(
                (row, txt(pl, "PredecessorUID"), txt(pl, "Type") or "1", txt(pl, "LinkLag") or "0")
            )
        if problems:
            errors.append(f"{where}: " + "; ".join(problems))
        uid_wbs[uid] = wbs
        rows.append(row)
    for row, pred_uid, typ, lag in raw_links:
        if pred_uid not in uid_wbs:
            errors.append(
                _("%(where)s: predecessor UID %(uid)s does not exist")
                % {"where": row.line, "uid": pred_uid[:20]}
            )
            continue
        if typ not in MSP_TYPES or not re.fullmatch(r"-?\d+", lag):
            errors.append(_("%s: a link has a bad type or lag") % row.line)
            continue
        days = round(int(lag) / (MINUTES_PER_DAY * 10))
        row.links.append((uid_wbs[pred_uid], MSP_TYPES[typ], days))
    if errors:
        raise ValidationFailed(fields={"file": errors})
    return rows


def parse_csv(data: bytes) -> list[ImportRow]:
    """Read work items from CSV (the export's columns); every bad row is reported."""
    _check_size(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(fields={"file": [_("The file is not UTF-8 text.")]}) from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [
        c for c in ("wbs", "title", "owner", "duration") if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise ValidationFailed(fields={"file": [_("Missing columns: %s.") % ", ".join(missing)]})
    rows: list[ImportRow] = []
    errors: list[str] = []
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ValidationFailed(fields={"file": [_("The CSV is malformed: %s") % exc]}) from exc
    if len(records) > MAX_ROWS:
        raise ValidationFailed(fields={"file": [_("More than %d rows.") % MAX_ROWS]})
    for n, rec in enumerate(records, start=2):
        where = _("Row %d") % n
        problems: list[str] = []
        values = {k: (v or "").strip() for k, v in rec.items() if isinstance(k, str)}
        for key, value in values.items():
            if value[:1] in ("=", "+", "@") and key not in ("predecessors",):
                problems.append(_("%s looks like a spreadsheet formula") % key)
        wbs = values.get("wbs", "").lstrip("'")
        if not WBS_RE.match(wbs):
            problems.append(_("WBS code %r is not valid") % wbs[:50])
        dur = values.get("duration", "")
        if not dur.isdigit() or int(dur) > MAX_DAYS:
            problems.append(_("duration %r is not a whole number of working days") % dur[:10])
        row = ImportRow(
            line=where,
            wbs=wbs,
            title=values.get("title", "").lstrip("'")[:200],
            owner=values.get("owner", ""),
            duration=int(dur) if dur.isdigit() else 0,
        )
        if not row.title:
            problems.append(_("the title is empty"))
        row.milestone = values.get("milestone", "0") in ("1", "true", "yes") or row.duration == 0
        try:
            row.earliest_start = _date(values.get("earliest_start"))
            row.deadline = _date(values.get("deadline"))
            row.actual_start = _date(values.get("actual_start"))
            row.actual_finish = _date(values.get("actual_finish"))
        except ValueError:
            problems.append(_("a date is not valid (use YYYY-MM-DD)"))
        pct = values.get("percent_complete") or "0"
        if not pct.isdigit() or int(pct) > 100:
            problems.append(_("percent complete %r is not 0–100") % pct[:10])
        else:
            row.percent_complete = int(pct)
        for part in filter(None, (p.strip() for p in values.get("predecessors", "").split(";"))):
            m = LINK_RE.match(part)
            if m is None:
                problems.append(_("predecessor %r is not WBS[FS|SS|FF|SF][±lag]") % part[:40])
                continue
            row.links.append((m["wbs"], m["type"] or "FS", int(m["lag"] or 0)))
        if problems:
            errors.append(f"{where}: " + "; ".join(problems))
        rows.append(row)
    if errors:
        raise ValidationFailed(fields={"file": errors})
    return rows


# --- applying ----------------------------------------------------------------------------


def parse_file(
    data: bytes, fmt: str, *, on_row: Callable[[int, int], None] | None = None
) -> list[ImportRow]:
    """Read the rows of a schedule file in one of the exchange formats (nothing written)."""
    if fmt == "xlsx":
        from .xlsx import parse_xlsx

        rows = parse_xlsx(data, on_row=on_row)
    else:
        from .xer import parse_xer

        rows = {"mspdi": parse_mspdi, "xer": parse_xer}.get(fmt, parse_csv)(data)
    if not rows:
        raise ValidationFailed(fields={"file": [_("The file holds no tasks.")]})
    return rows


def _import_agencies(program: Program) -> tuple[dict[str, Any], dict[str, Any]]:
    agencies = {program.coordinator.slug: program.coordinator}
    for p in program.partnerships.select_related("agency"):
        agencies[p.agency.slug] = p.agency
    by_name = {}
    for a in agencies.values():
        by_name[a.name.lower()] = a
        if a.short_name:
            by_name[a.short_name.lower()] = a
    return agencies, by_name


def check_rows(program: Program, rows: list[ImportRow], *, now: dt.datetime) -> None:
    """Check rows against the program (WBS clashes, owners, dates, links, cycles) without
    writing; raise ValidationFailed listing every problem."""
    today = local_today(program, now)
    agencies, by_name = _import_agencies(program)
    existing = set(WorkItem.objects.filter(program=program).values_list("wbs", flat=True))
    errors: list[str] = []
    seen: set[str] = set()
    known = {r.wbs for r in rows} | existing
    for row in rows:
        problems: list[tuple[str, str]] = []
        if row.wbs in existing or row.wbs in seen:
            problems.append(("wbs", _("WBS code %s is already used") % row.wbs))
        seen.add(row.wbs)
        if row.owner and row.owner not in agencies and row.owner.lower() not in by_name:
            problems.append(
                (
                    "owner",
                    _("%s is neither the coordinator nor a partner of the program")
                    % row.owner[:100],
                )
            )
        for value, name, key in (
            (row.actual_start, _("actual start"), "actual_start"),
            (row.actual_finish, _("actual finish"), "actual_finish"),
        ):
            if value is not None and value > today:
                problems.append((key, _("the %s is in the future") % name))
        if row.actual_start and row.actual_finish and row.actual_finish < row.actual_start:
            problems.append(("actual_finish", _("the actual finish is before the actual start")))
        if row.percent_complete and not (row.actual_start or row.actual_finish):
            problems.append(("percent_complete", _("progress above 0% needs an actual start")))
        for pred, _typ, _lag in row.links:
            if pred not in known:
                problems.append(("predecessors", _("predecessor %s does not exist") % pred[:40]))
        errors += row.problem_lines(problems)
    if errors:
        raise ValidationFailed(fields={"file": errors})
    # Refuse a cycle before writing anything.
    wbs_ids = {r.wbs: r.wbs for r in rows} | {w: w for w in existing}
    try:
        Network(
            [_stub(w) for w in wbs_ids],
            [Link(p, r.wbs, t, lag) for r in rows for p, t, lag in r.links]  # type: ignore[arg-type]
            + [
                Link(a, b)
                for a, b in Dependency.objects.filter(program=program).values_list(
                    "predecessor__wbs", "successor__wbs"
                )
            ],
        )
    except ScheduleError as exc:
        raise ValidationFailed(fields={"file": [exc.message]}) from exc


@transaction.atomic
def schedule_import(
    *,
    actor: Any,
    program: Program,
    data: bytes,
    fmt: str,
    now: dt.datetime,
    progress: Callable[[str, int], None] | None = None,
    rows: list[ImportRow] | None = None,
) -> dict[str, int]:
    """Add the work items and links of a file to a program, all or nothing.

    ``progress(stage, count)`` is told when the file is read, checked and written. ``rows``
    already parsed from ``data`` skip the parsing (they are checked again here, inside the
    transaction that writes them).
    """
    ensure_can(actor, "program.change", program)
    report = progress or (lambda stage, count: None)
    if rows is None:
        rows = parse_file(data, fmt)
    report("read", len(rows))
    today = local_today(program, now)
    agencies, by_name = _import_agencies(program)
    check_rows(program, rows, now=now)
    report("checked", len(rows))
    remember_plan(program, now)
    items = WorkItem.objects.bulk_create(
        [
            WorkItem(
                program=program,
                wbs=r.wbs,
                title=r.title,
                owner=agencies.get(r.owner) or by_name.get(r.owner.lower()) or program.coordinator,
                duration=r.duration,
                milestone=r.milestone,
                earliest_start=r.earliest_start,
                deadline=r.deadline,
                percent_complete=100 if r.actual_finish else r.percent_complete,
                actual_start=r.actual_start,
                actual_finish=r.actual_finish,
                remaining_duration=r.remaining_duration,
                status=WorkStatus.COMPLETED
                if r.actual_finish
                else WorkStatus.IN_PROGRESS
                if r.actual_start
                else WorkStatus.NOT_STARTED,
            )
            for r in rows
        ],
        batch_size=1000,
    )
    ids = dict(WorkItem.objects.filter(program=program).values_list("wbs", "pk"))
    Dependency.objects.bulk_create(
        [
            Dependency(
                program=program,
                predecessor_id=ids[p],
                successor_id=ids[r.wbs],
                type=t,
                lag=lag,
            )
            for r in rows
            for p, t, lag in r.links
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    author = actor if getattr(actor, "pk", None) else None
    ProgressUpdate.objects.bulk_create(
        [
            ProgressUpdate(
                program=program,
                work_item_id=ids[r.wbs],
                data_date=today,
                percent_complete=100 if r.actual_finish else r.percent_complete,
                actual_start=r.actual_start,
                actual_finish=r.actual_finish,
                remaining_duration=r.remaining_duration,
                note=_("Imported"),
                author=author,
                created_at=now,
            )
            for r in rows
            if r.actual_start or r.actual_finish
        ],
        batch_size=1000,
    )
    bump_plan(program, now)
    counts = {"work_items": len(items), "dependencies": sum(len(r.links) for r in rows)}
    report("written", len(items))
    audit_record(
        actor=actor,
        action="program.import",
        obj=program,
        before={},
        after={"format": fmt, **counts},
        now=now,
    )
    return counts


def _stub(task_id: str) -> Any:
    from sinergi.schedule import Task

    return Task(task_id, 1)


# --- background imports --------------------------------------------------------------------

# Files up to this size are imported while the browser waits; larger ones in the background.
INLINE_BYTES = 256 * 1024


@transaction.atomic
def import_start(
    *,
    actor: Any,
    program: Program,
    data: bytes,
    fmt: str,
    filename: str,
    now: dt.datetime,
) -> ScheduleImport:
    """Queue a schedule file for a background import; its progress is kept on the job."""
    ensure_can(actor, "program.change", program)
    _check_size(data)
    job = ScheduleImport.objects.create(
        program=program,
        format=fmt,
        filename=filename[:200],
        size=len(data),
        data=data,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )
    audit_record(
        actor=actor,
        action="program.import_queued",
        obj=job,
        after={"format": fmt, "filename": job.filename, "size": job.size},
        now=now,
    )
    from .tasks import run_schedule_import

    run_schedule_import.enqueue(job.pk)
    return job


def _job_update(job_id: int, **fields: Any) -> None:
    # Outside the import's transaction, so the page that polls sees it at once.
    ScheduleImport.objects.filter(pk=job_id).update(**fields)


def import_run(*, job_id: int, now: dt.datetime) -> ScheduleImport | None:
    """Run a queued import (the worker's task): read with progress, check, then write all
    or nothing. Returns the finished job, or None when it was not queued."""
    from sinergi.core.exceptions import SinergiError
    from sinergi.core.permissions import SYSTEM

    if not ScheduleImport.objects.filter(pk=job_id, state=ImportState.QUEUED).update(
        state=ImportState.READING
    ):
        return None
    job = ScheduleImport.objects.select_related("program", "created_by").get(pk=job_id)
    program = job.program
    actor: Any = job.created_by or SYSTEM
    data = bytes(job.data)

    def on_row(done: int, total: int = 0) -> None:
        _job_update(job_id, done=done, total=max(total, done))

    with translation.override(job.language):
        try:
            ensure_can(actor, "program.change", program)
            rows = parse_file(data, job.format, on_row=on_row)
            _job_update(job_id, state=ImportState.CHECKING, done=len(rows), total=len(rows))
            check_rows(program, rows, now=now)
            _job_update(job_id, state=ImportState.WRITING)
            counts = schedule_import(
                actor=actor, program=program, data=data, fmt=job.format, now=now, rows=rows
            )
        except SinergiError as exc:
            problems = [m for msgs in exc.fields.values() for m in msgs] or [str(exc.message)]
            _job_update(
                job_id, state=ImportState.FAILED, errors=problems, data=b"", finished_at=now
            )
        except Exception:
            logger.exception("schedule import %s failed", job_id)
            _job_update(
                job_id,
                state=ImportState.FAILED,
                errors=[_("The import failed unexpectedly; nothing was imported.")],
                data=b"",
                finished_at=now,
            )
        else:
            _job_update(job_id, state=ImportState.DONE, counts=counts, data=b"", finished_at=now)
    job.refresh_from_db()
    return job
