"""The rakor report (weekly coordination-meeting pack) as a workbook and as a PDF.

Both are drawn from one :class:`Pack` of plain, already translated figures, so the HTML
preview, the XLSX and the PDF cannot disagree. The PDF is rendered on the server by
fpdf2 with its built-in Helvetica (no font file, no browser, no external call); text is
folded to Latin-1, which covers Indonesian (see docs/decisions/insights-rakor-report.md).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sinergi.core.pdf import latin1
from sinergi.core.spreadsheets import column_letter, xlsx_text


@dataclass
class Section:
    """One table of the pack: a heading, column headings and rows of cells."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    empty: str = ""


@dataclass
class Pack:
    """Everything the rakor report shows, already in the reader's language."""

    title: str
    subtitle: str
    generated: str  # "generated at" line, formatted
    updated: str  # "metrics updated at" line, formatted
    sections: list[Section]
    filename: str  # without extension


def cell_text(value: Any) -> str:
    """A cell as text the way the pack shows it: Indonesian decimal comma, dashes for
    missing values, dates as ISO."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "✓" if value else "–"
    if isinstance(value, float):
        text = f"{value:.1f}".replace(".", ",")
        return text[:-2] if text.endswith(",0") else text
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:16].replace("T", " ")
    return str(value)


# --- XLSX -----------------------------------------------------------------------------


def pack_xlsx(pack: Pack) -> bytes:
    """The pack as a workbook: a cover sheet and one sheet per section, numbers as
    numbers, every text cell guarded against formula injection."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    cover = wb.worksheets[0]  # a new workbook starts with one sheet
    cover.title = "Rakor"
    for line in (pack.title, pack.subtitle, pack.generated, pack.updated):
        cover.append([xlsx_text(line)])
    cover["A1"].font = Font(bold=True, size=14)
    cover.append([])
    for section in pack.sections:
        cover.append([xlsx_text(section.title), len(section.rows)])
    cover.column_dimensions["A"].width = 60
    used: set[str] = {"Rakor"}
    for section in pack.sections:
        name = _sheet_name(section.title, used)
        ws = wb.create_sheet(name)
        ws.append([xlsx_text(c) for c in section.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in section.rows:
            ws.append([_xlsx_value(v) for v in row])
        ws.freeze_panes = "A2"
        for i, col in enumerate(section.columns, start=1):
            widest = max([len(str(col))] + [len(cell_text(r[i - 1])) for r in section.rows[:200]])
            ws.column_dimensions[column_letter(i)].width = min(max(widest + 2, 8), 60)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    return xlsx_text(str(value))


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or "Sheet"
    name, n = base, 2
    while name in used:
        name = f"{base[:25]} {n}"
        n += 1
    used.add(name)
    return name


# --- PDF ------------------------------------------------------------------------------


def _widths(section: Section, total: float) -> list[float]:
    """Column widths: the first (names, subjects) takes what the numbers leave."""
    n = len(section.columns)
    if n == 1:
        return [total]
    numeric = [
        all(isinstance(r[i], int | float) or r[i] is None for r in section.rows) and section.rows
        for i in range(n)
    ]
    narrow = [18.0 if numeric[i] else 0.0 for i in range(n)]
    free = total - sum(narrow)
    texts = [i for i in range(n) if not numeric[i]]
    if not texts:
        return [total / n] * n
    # The first text column (a name or subject) gets twice the share of the others.
    shares = {i: (2.0 if i == texts[0] else 1.0) for i in texts}
    unit = free / sum(shares.values())
    return [narrow[i] or unit * shares[i] for i in range(n)]


def pack_pdf(pack: Pack) -> bytes:
    """The pack as an A4 landscape PDF: a title block, then each section as a table with
    its heading repeated on every page it runs over."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(latin1(pack.title))
    pdf.set_creator("Sinergi")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_margins(10, 10, 10)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, latin1(pack.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for line in (pack.subtitle, pack.generated, pack.updated):
        pdf.multi_cell(0, 5, latin1(line), new_x="LMARGIN", new_y="NEXT")
    width = pdf.w - pdf.l_margin - pdf.r_margin
    heading = FontFace(emphasis="BOLD", fill_color=(226, 234, 240))
    for section in pack.sections:
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, latin1(section.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 8)
        if not section.rows:
            pdf.multi_cell(0, 5, latin1(section.empty or "-"), new_x="LMARGIN", new_y="NEXT")
            continue
        widths = _widths(section, width)
        with pdf.table(
            col_widths=tuple(widths),
            width=width,
            headings_style=heading,
            line_height=4.5,
            text_align="LEFT",
            # Every cell of a row starts on the row's first line, so a wrapped agency name
            # keeps its figures beside it (and in the extracted text).
            v_align="TOP",
            repeat_headings=1,
        ) as table:
            head = table.row()
            for col in section.columns:
                head.cell(latin1(col))
            for values in section.rows:
                row = table.row()
                for v in values:
                    row.cell(latin1(cell_text(v)))
    out = pdf.output()
    return bytes(out)


def rows_of(items: Sequence[Any], *attrs: str) -> list[list[Any]]:
    """Rows of a section from objects' attributes (dotted names allowed)."""
    rows = []
    for item in items:
        row = []
        for attr in attrs:
            value: Any = item
            for part in attr.split("."):
                value = (
                    getattr(value, part, None) if not isinstance(value, dict) else value.get(part)
                )
            row.append(value)
        rows.append(row)
    return rows
