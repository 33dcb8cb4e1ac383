"""Work items as an Excel workbook (.xlsx): the template, the export and the parser.

The first sheet holds one work item per row under a heading row; the second sheet explains
the columns and the values they accept. The parser reads values only: a formula cell is
refused (nothing is ever evaluated), and hostile files (not a zip, too large once unpacked,
DTDs, macros: the checks of :mod:`sinergi.core.spreadsheets`) are refused before openpyxl
sees them, too many rows while reading.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from sinergi.core import uploads
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.spreadsheets import (
    FORMULA_START,
    UnsafeWorkbook,
    check_xlsx_package,
    column_letter,
    xlsx_text,
)

from .exchange import LINK_RE, MAX_ROWS, WBS_RE, ImportRow, program_rows
from .models import MAX_DAYS, Program

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_MEMBERS = 200
MAX_COLUMNS = 30
ITEMS_SHEET = gettext_lazy("Work items")
HELP_SHEET = gettext_lazy("Instructions")


@dataclass(frozen=True)
class Column:
    """One column of the work-item sheet."""

    key: str  # the CSV column name, also accepted as a heading
    heading: Any
    required: bool
    explanation: Any
    allowed: Any
    width: int


COLUMNS = (
    Column(
        "wbs",
        pgettext_lazy("spreadsheet column", "WBS code"),
        True,
        gettext_lazy("Code of the work item in the work breakdown; unique in the program."),
        gettext_lazy("Letters, digits, dot, hyphen, underscore; at most 40 (e.g. 2.3)."),
        12,
    ),
    Column(
        "title",
        pgettext_lazy("spreadsheet column", "Work item"),
        True,
        gettext_lazy("Name of the work."),
        gettext_lazy("Text, at most 200 characters."),
        48,
    ),
    Column(
        "owner",
        pgettext_lazy("spreadsheet column", "Owner agency"),
        False,
        gettext_lazy("The agency that carries out the work; empty means the coordinator."),
        gettext_lazy("The code, name or short name of the coordinator or a partner (see below)."),
        24,
    ),
    Column(
        "duration",
        pgettext_lazy("spreadsheet column", "Duration (working days)"),
        True,
        gettext_lazy("Working days (Monday–Friday without holidays); 0 makes a milestone."),
        gettext_lazy("Whole number from 0 to 10000."),
        12,
    ),
    Column(
        "milestone",
        pgettext_lazy("spreadsheet column", "Milestone"),
        False,
        gettext_lazy("Whether the item is a milestone (a moment, no duration)."),
        gettext_lazy("yes or no (empty = no)."),
        10,
    ),
    Column(
        "earliest_start",
        pgettext_lazy("spreadsheet column", "Start no earlier than"),
        False,
        gettext_lazy("Constraint: the work does not start before this date."),
        gettext_lazy("A date (YYYY-MM-DD or DD/MM/YYYY) or empty."),
        14,
    ),
    Column(
        "deadline",
        pgettext_lazy("spreadsheet column", "Deadline"),
        False,
        gettext_lazy("The date by which the work must be finished."),
        gettext_lazy("A date (YYYY-MM-DD or DD/MM/YYYY) or empty."),
        14,
    ),
    Column(
        "percent_complete",
        pgettext_lazy("spreadsheet column", "Percent complete"),
        False,
        gettext_lazy("How far the work is done; above 0 needs an actual start."),
        gettext_lazy("Whole number from 0 to 100."),
        10,
    ),
    Column(
        "actual_start",
        pgettext_lazy("spreadsheet column", "Actual start"),
        False,
        gettext_lazy("The day the work really started; not in the future."),
        gettext_lazy("A date (YYYY-MM-DD or DD/MM/YYYY) or empty."),
        14,
    ),
    Column(
        "actual_finish",
        pgettext_lazy("spreadsheet column", "Actual finish"),
        False,
        gettext_lazy("The day the work really finished; not in the future."),
        gettext_lazy("A date (YYYY-MM-DD or DD/MM/YYYY) or empty."),
        14,
    ),
    Column(
        "predecessors",
        pgettext_lazy("spreadsheet column", "Predecessors"),
        False,
        gettext_lazy(
            "Work items this one waits for: WBS code, link type and lag in working days, "
            "separated by semicolons."
        ),
        gettext_lazy("e.g. 1.2;1.3SS+5;2.1FF-2 (type FS, SS, FF or SF; FS when left out)."),
        22,
    ),
)
YES = {"ya", "yes", "y", "1", "true", "benar", "x"}
NO = {"tidak", "no", "n", "0", "false", "salah", ""}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def heading_map() -> dict[str, Column]:
    """Every accepted heading (in each language, and the CSV names) → its column."""
    found: dict[str, Column] = {}
    for col in COLUMNS:
        found[col.key] = col
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                found[_norm(str(col.heading))] = col
    return found


# --- writing --------------------------------------------------------------------------------


def _workbook(program: Program, rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws: Any = wb.active
    ws.title = str(ITEMS_SHEET)[:31]
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F0")
    ws.append([str(c.heading) for c in COLUMNS])
    for n, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=n)
        cell.font = bold
        cell.fill = fill
        ws.column_dimensions[column_letter(n)].width = col.width
    ws.freeze_panes = "A2"
    for values in rows:  # date values get openpyxl's yyyy-mm-dd format; WBS codes are text
        ws.append(values)
    milestone = column_letter(1 + [c.key for c in COLUMNS].index("milestone"))
    dv = DataValidation(type="list", formula1=f'"{_("yes")},{_("no")}"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add(f"{milestone}2:{milestone}{len(rows) + 1001}")

    help_ws = wb.create_sheet(str(HELP_SHEET)[:31])
    help_ws.append(
        [_("Work items of %(code)s — %(title)s") % {"code": program.code, "title": program.title}]
    )
    help_ws["A1"].font = Font(bold=True, size=13)
    help_ws.append(
        [
            _(
                "Fill in one work item per row of the first sheet, under the headings. The "
                "import checks every row; if any row is wrong, every problem is listed with "
                "its row and column and nothing is imported. Formulas are not accepted: type "
                "values."
            )
        ]
    )
    help_ws.append([])
    help_ws.append([_("Column"), _("Required"), _("Meaning"), _("Allowed values")])
    for cell in help_ws[4]:
        cell.font = bold
        cell.fill = fill
    for col in COLUMNS:
        help_ws.append(
            [
                str(col.heading),
                _("yes") if col.required else _("no"),
                str(col.explanation),
                str(col.allowed),
            ]
        )
    help_ws.append([])
    help_ws.append([_("Agencies of this program (for the owner column)")])
    help_ws.cell(row=help_ws.max_row, column=1).font = bold
    help_ws.append([_("Code"), _("Name"), _("Role")])
    for cell in help_ws[help_ws.max_row]:
        cell.font = bold
        cell.fill = fill
    help_ws.append(
        [program.coordinator.slug, xlsx_text(program.coordinator.name), _("coordinator")]
    )
    for p in program.partnerships.select_related("agency").order_by("agency__name"):
        help_ws.append([p.agency.slug, xlsx_text(p.agency.name), _("partner")])
    for letter, width in (("A", 30), ("B", 40), ("C", 60), ("D", 60)):
        help_ws.column_dimensions[letter].width = width
    for row in help_ws.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_xlsx(program: Program) -> bytes:
    """An empty work-item sheet for the program, with the instructions sheet."""
    return _workbook(program, [])


def export_xlsx(program: Program, *, now: dt.datetime) -> bytes:
    """The program's work items in the template's layout."""
    rows = []
    for r in program_rows(program, now=now):
        rows.append(
            [
                xlsx_text(r["wbs"]),
                xlsx_text(r["title"]),
                r["owner"],
                r["duration"],
                _("yes") if r["milestone"] else _("no"),
                r["earliest_start"],
                r["deadline"],
                r["percent_complete"],
                r["actual_start"],
                r["actual_finish"],
                xlsx_text(r["predecessors"]),
            ]
        )
    return _workbook(program, rows)


# --- reading --------------------------------------------------------------------------------


def check_package(data: bytes) -> None:
    """Refuse what is not a plain .xlsx before it is unpacked, with the checks shared by
    every app (:func:`sinergi.core.spreadsheets.check_xlsx_package`)."""
    try:
        check_xlsx_package(
            data,
            max_bytes=uploads.max_bytes(uploads.SCHEDULE),
            max_unpacked=uploads.max_unpacked(),
            max_members=MAX_MEMBERS,
        )
    except UnsafeWorkbook as exc:
        raise ValidationFailed(fields={"file": [exc.message]}) from exc
    # A sheet declaring far more rows than a programme may hold is refused before reading.
    uploads.check_xlsx_dimensions(data, sheet="", max_rows=2 * MAX_ROWS)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _unquote(text: str) -> str:
    return text[1:] if text[:1] == "'" and text[1:].startswith(FORMULA_START) else text


def _cell_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
        if m:
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        return dt.date.fromisoformat(text[:10])
    raise ValueError(value)


def _whole(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        if float(value).is_integer() and low <= value <= high:
            return int(value)
        raise ValueError(value)
    text = _text(value)
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    raise ValueError(value)


def parse_xlsx(data: bytes, *, on_row: Callable[[int, int], None] | None = None) -> list[ImportRow]:
    """Read work items from the first sheet; every bad cell is reported with its row and
    column, and nothing is returned unless every row is good."""
    from openpyxl import load_workbook

    check_package(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken package
        raise ValidationFailed(
            fields={"file": [_("The workbook cannot be read: %s") % str(exc)[:200]]}
        ) from exc
    try:
        return _read_items(wb, on_row, uploads.ParseDeadline())
    finally:
        wb.close()


def _read_items(wb: Any, on_row: Any, deadline: uploads.ParseDeadline) -> list[ImportRow]:
    if not wb.worksheets:
        raise ValidationFailed(fields={"file": [_("The workbook has no sheet.")]})
    ws = wb.worksheets[0]
    estimate = max((ws.max_row or 1) - 1, 0)  # from the sheet's own dimension: a hint only
    rows_iter = ws.iter_rows(max_col=MAX_COLUMNS)
    header = next(rows_iter, None)
    headings = heading_map()
    where: dict[str, tuple[int, str]] = {}  # key → (index, "C (Duration)")
    for idx, cell in enumerate(header or ()):
        if cell.data_type == "f":
            continue
        col = headings.get(_norm(_text(cell.value)))
        if col is not None and col.key not in where:
            where[col.key] = (idx, f"{column_letter(idx + 1)} ({_text(cell.value)})")
    missing = [str(c.heading) for c in COLUMNS if c.required and c.key not in where]
    if missing:
        raise ValidationFailed(
            fields={"file": [_("The first row lacks the columns: %s.") % ", ".join(missing)]}
        )
    rows: list[ImportRow] = []
    errors: list[str] = []
    for n, cells in enumerate(rows_iter, start=2):
        if n % 1000 == 0:
            deadline.check()
        raw = {key: cells[i] if i < len(cells) else None for key, (i, _label) in where.items()}
        if all(c is None or c.value in (None, "") for c in raw.values()):
            continue
        if len(rows) >= MAX_ROWS:
            errors.append(_("More than %d rows.") % MAX_ROWS)
            break
        line = _("Row %d") % n
        columns = {key: label for key, (_i, label) in where.items()}
        problems: list[tuple[str, str]] = []
        values: dict[str, Any] = {}
        for key, cell in raw.items():
            value = None if cell is None else cell.value
            if cell is not None and cell.data_type == "f":
                problems.append(
                    (
                        key,
                        _("the cell holds a formula (%s); type the value instead")
                        % _text(value)[:40],
                    )
                )
                value = None
            elif cell is not None and cell.data_type == "e":
                problems.append((key, _("the cell holds an error value %s") % _text(value)[:20]))
                value = None
            elif isinstance(value, str):
                text = value.strip()
                value = _unquote(text)
                # Quoted text ('=…) was neutralised on purpose; bare =… was meant as a formula.
                if text[:1] in ("=", "+", "@") and key != "predecessors":
                    problems.append((key, _("the text looks like a spreadsheet formula")))
            values[key] = value
        flagged = {key for key, _m in problems}
        wbs = _text(values.get("wbs"))
        if not WBS_RE.match(wbs) and "wbs" not in flagged:
            problems.append(("wbs", _("WBS code %r is not valid") % wbs[:50]))
        title = _text(values.get("title"))[:200]
        if not title and "title" not in flagged:
            problems.append(("title", _("the title is empty")))
        row = ImportRow(
            line=line, wbs=wbs, title=title, owner=_text(values.get("owner")), duration=0
        )
        row.columns = columns
        try:
            row.duration = _whole(values.get("duration"), 0, MAX_DAYS)
        except ValueError:
            problems.append(
                (
                    "duration",
                    _("%r is not a whole number of working days (0–%d)")
                    % (_text(values.get("duration"))[:20], MAX_DAYS),
                )
            )
        flag = _norm(_text(values.get("milestone")))
        if flag in YES:
            row.milestone = True
        elif flag not in NO:
            problems.append(("milestone", _("%r is not yes or no") % flag[:20]))
        row.milestone = row.milestone or row.duration == 0
        for key in ("earliest_start", "deadline", "actual_start", "actual_finish"):
            try:
                setattr(row, key, _cell_date(values.get(key)))
            except (ValueError, TypeError):
                problems.append(
                    (key, _("%r is not a date (use YYYY-MM-DD)") % _text(values.get(key))[:20])
                )
        if values.get("percent_complete") not in (None, ""):
            try:
                row.percent_complete = _whole(values.get("percent_complete"), 0, 100)
            except ValueError:
                problems.append(
                    (
                        "percent_complete",
                        _("%r is not a whole number from 0 to 100")
                        % _text(values.get("percent_complete"))[:20],
                    )
                )
        preds = _text(values.get("predecessors"))
        for part in filter(None, (p.strip() for p in preds.split(";"))):
            m = LINK_RE.match(part.replace(" ", ""))
            if m is None:
                problems.append(("predecessors", _("%r is not WBS[FS|SS|FF|SF][±lag]") % part[:40]))
                continue
            row.links.append((m["wbs"], m["type"] or "FS", int(m["lag"] or 0)))
        errors += row.problem_lines(problems)
        rows.append(row)
        if on_row is not None and len(rows) % 500 == 0:
            on_row(len(rows), estimate)
    if errors:
        raise ValidationFailed(fields={"file": errors})
    return rows
