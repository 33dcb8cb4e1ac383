"""Primavera P6 XER export and import, read back by MPXJ in the tests (see
docs/modules/programs.md, exchange); shares the rows and checks of ``exchange``."""

from __future__ import annotations

import datetime as dt
import math

from django.utils.translation import gettext as _

from sinergi.core.exceptions import ValidationFailed

from .exchange import (
    CALENDAR_NAME,
    HOURS_PER_DAY,
    MAX_ROWS,
    WBS_RE,
    WORK_PERIODS,
    ImportRow,
    _check_size,
    _date,
    _holidays,
    _times,
)
from .models import MAX_DAYS, Program, WorkItem
from .scheduling import (
    program_calendar,
    program_schedule,
)

# --- Primavera P6 XER ---------------------------------------------------------------------

XER_TYPES = {"PR_FS": "FS", "PR_SS": "SS", "PR_FF": "FF", "PR_SF": "SF"}
XER_CODES = {v: k for k, v in XER_TYPES.items()}
XER_TABLES = {
    "PROJECT": (
        "proj_id",
        "proj_short_name",
        "clndr_id",
        "plan_start_date",
        "scd_end_date",
        "last_recalc_date",
        "critical_drtn_hr_cnt",
        "def_duration_type",
    ),
    "CALENDAR": (
        "clndr_id",
        "default_flag",
        "clndr_name",
        "proj_id",
        "base_clndr_id",
        "clndr_type",
        "day_hr_cnt",
        "week_hr_cnt",
        "month_hr_cnt",
        "year_hr_cnt",
        "clndr_data",
    ),
    "TASK": (
        "task_id",
        "proj_id",
        "clndr_id",
        "task_code",
        "task_name",
        "task_type",
        "status_code",
        "duration_type",
        "complete_pct_type",
        "target_drtn_hr_cnt",
        "remain_drtn_hr_cnt",
        "total_float_hr_cnt",
        "free_float_hr_cnt",
        "phys_complete_pct",
        "act_start_date",
        "act_end_date",
        "cstr_type",
        "cstr_date",
        "cstr_type2",
        "cstr_date2",
        "target_start_date",
        "target_end_date",
        "early_start_date",
        "early_end_date",
        "late_start_date",
        "late_end_date",
        "restart_date",
        "reend_date",
        "rem_late_start_date",
        "rem_late_end_date",
        "driving_path_flag",
    ),
    "TASKPRED": (
        "task_pred_id",
        "task_id",
        "pred_task_id",
        "proj_id",
        "pred_proj_id",
        "pred_type",
        "lag_hr_cnt",
    ),
    "RSRC": ("rsrc_id", "rsrc_name", "rsrc_short_name"),
    "TASKRSRC": ("taskrsrc_id", "task_id", "proj_id", "rsrc_id"),
}
# P6 counts exception dates in days from this epoch (as spreadsheets do).
XER_EPOCH = dt.date(1899, 12, 30)


def _xd(value: dt.date | None, hour: int = 8) -> str:
    return f"{value.isoformat()} {hour:02d}:00" if value else ""


def _xer_cell(value: object) -> str:
    # Tabs and line breaks would break the row structure of the file.
    return str(value).replace("\t", " ").replace("\r", " ").replace("\n", " ")


def _xer_calendar_data(weekdays: tuple[int, ...], holidays: list[dt.date]) -> str:
    """P6's structured text for a calendar: hours of each weekday (1 = Sunday) and every
    holiday as a non-working exception."""
    hours = "".join(f"(0||{n}(s|{a}|f|{b})())" for n, (a, b) in enumerate(WORK_PERIODS))
    days = "".join(f"(0||{d}()({hours if (d + 5) % 7 in weekdays else ''}))" for d in range(1, 8))
    exceptions = "".join(
        f"(0||{n}(d|{(day - XER_EPOCH).days})())" for n, day in enumerate(holidays)
    )
    return (
        f"(0||CalendarData()((0||DaysOfWeek()({days}))"
        f"(0||VIEW(ShowTotal|Y)())(0||Exceptions()({exceptions}))))"
    )


def export_xer(program: Program, *, now: dt.datetime) -> bytes:
    """The program as a Primavera P6 XER file: the working-day calendar with Indonesian
    holidays, activities with original and remaining durations in hours, planned, early,
    late and remaining dates, total and free float, links with type and lag, and agencies
    as resources. UTF-8 with a byte-order mark, which MPXJ and P6 read as Unicode."""
    ps = program_schedule(program, now=now)
    cal = program_calendar(program)
    times = _times(ps, cal)
    items = {wi.pk: wi for wi in WorkItem.objects.filter(program=program)}
    hpd = HOURS_PER_DAY
    lines = [
        "\t".join(
            [
                "ERMHDR",
                "19.12",
                ps.data_date.isoformat(),
                "Project",
                "sinergi",
                "sinergi",
                "dbxDatabaseNoName",
                "Project Management",
                "IDR",
            ]
        ),
        "%T\tPROJECT",
        "%F\t" + "\t".join(XER_TABLES["PROJECT"]),
        "%R\t"
        + "\t".join(
            _xer_cell(v)
            for v in (
                1,
                program.code,
                1,
                _xd(program.planned_start),
                _xd(ps.finish_date, 17),
                _xd(ps.data_date),
                0,
                "DT_FixedDUR2",
            )
        ),
        "%T\tCALENDAR",
        "%F\t" + "\t".join(XER_TABLES["CALENDAR"]),
        "%R\t"
        + "\t".join(
            _xer_cell(v)
            for v in (
                1,
                "Y",
                CALENDAR_NAME,
                "",
                "",
                "CA_Base",
                hpd,
                hpd * len(cal.weekdays),
                hpd * len(cal.weekdays) * 52 // 12,
                hpd * len(cal.weekdays) * 52,
                _xer_calendar_data(cal.weekdays, _holidays(program, ps, times)),
            )
        ),
        "%T\tTASK",
        "%F\t" + "\t".join(XER_TABLES["TASK"]),
    ]
    critical = set(ps.critical_path)
    for it in ps.items:
        wi = items[it.id]
        tm = times[it.id]
        finished = it.actual_finish is not None
        started = it.actual_start is not None or finished
        # A milestone reached when work finishes is a finish milestone; else a start one.
        mile = "TT_FinMile" if tm.finish_hour == 17 else "TT_Mile"
        kind = "TT_Task" if it.duration else mile
        start, finish = _xd(tm.start, tm.start_hour), _xd(tm.finish, tm.finish_hour)
        row = [
            it.id,
            1,
            1,
            it.wbs,
            it.title,
            kind,
            "TK_Complete" if finished else "TK_Active" if started else "TK_NotStart",
            "DT_FixedDUR2",
            "CP_Phys",
            it.duration * hpd,
            it.remaining * hpd,
            it.total_float * hpd,
            it.free_float * hpd,
            it.percent_complete,
            start if started else "",
            finish if finished else "",
            "CS_MSOA" if wi.earliest_start else "",
            _xd(wi.earliest_start),
            "CS_MEOB" if wi.deadline else "",
            _xd(wi.deadline, 17),
            start,
            finish,
            start,
            finish,
            _xd(tm.late_start, tm.late_start_hour),
            _xd(tm.late_finish, tm.late_finish_hour),
            _xd(tm.resume, tm.start_hour),
            "" if finished else finish,
            _xd(tm.rem_late_start, tm.late_start_hour),
            "" if finished else _xd(tm.late_finish, tm.late_finish_hour),
            "Y" if it.wbs in critical else "N",
        ]
        lines.append("%R\t" + "\t".join(_xer_cell(v) for v in row))
    lines += ["%T\tTASKPRED", "%F\t" + "\t".join(XER_TABLES["TASKPRED"])]
    for ln in ps.links:
        row = [ln.id, ln.succ, ln.pred, 1, 1, XER_CODES[ln.type], ln.lag * hpd]
        lines.append("%R\t" + "\t".join(_xer_cell(v) for v in row))
    owners: dict[int, tuple[int, str, str]] = {}
    for it in ps.items:
        owners.setdefault(it.owner_id, (len(owners) + 1, it.owner_slug, it.owner_name))
    lines += ["%T\tRSRC", "%F\t" + "\t".join(XER_TABLES["RSRC"])]
    for uid, slug, name in owners.values():
        lines.append(f"%R\t{uid}\t{_xer_cell(name)}\t{_xer_cell(slug)}")
    lines += ["%T\tTASKRSRC", "%F\t" + "\t".join(XER_TABLES["TASKRSRC"])]
    for n, it in enumerate(ps.items, start=1):
        lines.append(f"%R\t{n}\t{it.id}\t1\t{owners[it.owner_id][0]}")
    lines.append("%E")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def _xer_tables(text: str) -> dict[str, list[dict[str, str]]]:
    tables: dict[str, list[dict[str, str]]] = {}
    current: list[dict[str, str]] | None = None
    fields: list[str] = []
    for raw in text.splitlines():
        parts = raw.split("\t")
        tag = parts[0]
        if tag == "%T" and len(parts) > 1:
            current = tables.setdefault(parts[1].strip(), [])
            fields = []
        elif tag == "%F":
            fields = [f.strip() for f in parts[1:]]
        elif tag == "%R" and current is not None:
            current.append(dict(zip(fields, parts[1:], strict=False)))
    return tables


def parse_xer(data: bytes) -> list[ImportRow]:
    """Read the tasks of a Primavera XER file; every bad task is reported."""
    _check_size(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # P6 writes Windows-1252 by default
    if not text.startswith("ERMHDR"):
        raise ValidationFailed(fields={"file": [_("This is not a Primavera XER file.")]})
    tables = _xer_tables(text)
    missing = [t for t in ("TASK", "TASKPRED") if t not in tables]
    if missing:
        raise ValidationFailed(
            fields={"file": [_("The XER file has no %s table.") % ", ".join(missing)]}
        )
    absent = [
        f
        for f in ("task_id", "task_code", "task_name", "target_drtn_hr_cnt")
        if tables["TASK"] and f not in tables["TASK"][0]
    ]
    if absent:
        raise ValidationFailed(
            fields={"file": [_("The TASK table lacks the fields %s.") % ", ".join(absent)]}
        )
    if len(tables["TASK"]) > MAX_ROWS:
        raise ValidationFailed(fields={"file": [_("More than %d tasks.") % MAX_ROWS]})
    resources = {
        r.get("rsrc_id", ""): r.get("rsrc_short_name") or r.get("rsrc_name", "")
        for r in tables.get("RSRC", [])
    }
    owner_of = {
        a.get("task_id", ""): resources.get(a.get("rsrc_id", ""), "")
        for a in tables.get("TASKRSRC", [])
    }
    rows: list[ImportRow] = []
    by_id: dict[str, ImportRow] = {}
    errors: list[str] = []
    for n, t in enumerate(tables["TASK"], start=1):
        tid = t.get("task_id", "").strip()
        where = _("Task %(n)d (task_id %(id)s)") % {"n": n, "id": tid[:20] or "?"}
        problems: list[str] = []
        wbs = t.get("task_code", "").strip()
        if not WBS_RE.match(wbs):
            problems.append(_("WBS code %r is not valid") % wbs[:50])
        name = t.get("task_name", "").strip()[:200]
        if not name:
            problems.append(_("the name is empty"))
        hours = t.get("target_drtn_hr_cnt", "").strip() or "0"
        duration = 0
        try:
            duration = math.ceil(float(hours) / 8 - 1e-9)
            if not 0 <= duration <= MAX_DAYS:
                raise ValueError
        except ValueError:
            problems.append(_("duration %r is not a number of hours") % hours[:20])
            duration = 0
        row = ImportRow(
            line=where, wbs=wbs, title=name, owner=owner_of.get(tid, ""), duration=duration
        )
        row.milestone = t.get("task_type", "") in ("TT_Mile", "TT_FinMile") or duration == 0
        try:
            if t.get("cstr_type", "") in ("CS_MSOA", "CS_MSO"):
                row.earliest_start = _date(t.get("cstr_date"))
            if t.get("cstr_type2", "") in ("CS_MEOB", "CS_MEO"):
                row.deadline = _date(t.get("cstr_date2"))
            row.actual_start = _date(t.get("act_start_date"))
            row.actual_finish = _date(t.get("act_end_date"))
        except ValueError:
            problems.append(_("a date is not valid"))
        pct = (t.get("phys_complete_pct", "") or "0").strip()
        try:
            row.percent_complete = round(float(pct))
            if not 0 <= row.percent_complete <= 100:
                raise ValueError
        except ValueError:
            problems.append(_("percent complete %r is not 0–100") % pct[:10])
            row.percent_complete = 0
        remaining = (t.get("remain_drtn_hr_cnt", "") or "").strip()
        if remaining and row.actual_start and not row.actual_finish:
            try:
                row.remaining_duration = min(math.ceil(float(remaining) / 8 - 1e-9), MAX_DAYS)
            except ValueError:
                problems.append(_("remaining duration %r is not a number") % remaining[:20])
        if problems:
            errors.append(f"{where}: " + "; ".join(problems))
        rows.append(row)
        by_id[tid] = row
    for p in tables["TASKPRED"]:
        succ, pred = by_id.get(p.get("task_id", "")), by_id.get(p.get("pred_task_id", ""))
        if succ is None or pred is None:
            errors.append(
                _("Link %s refers to a task that does not exist") % p.get("task_pred_id", "?")[:20]
            )
            continue
        typ = XER_TYPES.get(p.get("pred_type", "PR_FS"))
        try:
            lag = round(float(p.get("lag_hr_cnt", "0") or 0) / 8)
        except ValueError:
            typ = None
        if typ is None:
            errors.append(_("%s: a link has a bad type or lag") % succ.line)
            continue
        succ.links.append((pred.wbs, typ, lag))
    if errors:
        raise ValidationFailed(fields={"file": errors})
    return rows
