"""Server-side SVG charts of the leader dashboard: the pair heat map ("siapa menunggu
siapa") and monthly sparklines. Presentation attributes only (no ``style``), so they pass
the strict CSP and need no script; every cell and point carries a ``<title>`` for screen
readers and a link to the rows behind it.

The functions take plain data (no model instances, no queries), so the rakor report and
the tests draw the same pictures from the same figures."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe

# Sequential reds for "open and overdue", from none to many; grey for no requests at all.
HEAT = ("#f1f8f3", "#fde0d9", "#f9b4a3", "#ef7b62", "#d63e2a", "#9e1b10")
EMPTY = "#f4f5f7"
CELL = 30
LABEL_W = 150
HEAD_H = 120


@dataclass(frozen=True)
class HeatCell:
    """One pair: the waiting agency (row), the agency waited on (column) and its figures."""

    row: str  # slug of the waiting (requesting) agency
    col: str  # slug of the agency waited on
    requests: int
    open_overdue: int
    median_days: float | None
    url: str = ""


def heat_colour(open_overdue: int, requests: int) -> str:
    """Colour of a cell: grey without requests, then darker red the more are overdue."""
    if requests <= 0:
        return EMPTY
    if open_overdue <= 0:
        return HEAT[0]
    steps = (1, 2, 4, 8)
    for i, limit in enumerate(steps, start=1):
        if open_overdue <= limit:
            return HEAT[i]
    return HEAT[-1]


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    text = f"{value:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def heat_map(
    *,
    rows: Sequence[tuple[str, str]],
    cols: Sequence[tuple[str, str]],
    cells: Sequence[HeatCell],
    title: str,
    cell_title: Callable[[str, str, HeatCell], str],
) -> SafeString:
    """The pair matrix as SVG: rows are the agencies that wait, columns the agencies waited
    on, each cell coloured by its open overdue requests and labelled with their number.

    ``rows`` and ``cols`` are (slug, label) pairs; ``cell_title`` writes the accessible
    text of one cell from the row label, the column label and the cell."""
    by_pair = {(c.row, c.col): c for c in cells}
    width = LABEL_W + CELL * max(len(cols), 1) + 10
    height = HEAD_H + CELL * max(len(rows), 1) + 10
    out = [
        # A group, not an image: its cells are links, and an image has no interactive parts.
        f'<svg xmlns="http://www.w3.org/2000/svg" class="insights-heat" role="group" '
        f"aria-label={quoteattr(title)} "
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="system-ui, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    for j, (_slug, label) in enumerate(cols):
        x = LABEL_W + CELL * j + CELL / 2
        out.append(
            f'<text x="{x:.0f}" y="{HEAD_H - 6}" transform="rotate(-60 {x:.0f} {HEAD_H - 6})" '
            f'fill="#1b2430">{escape(label[:22])}</text>'
        )
    for i, (row_slug, row_label) in enumerate(rows):
        y = HEAD_H + CELL * i
        out.append(
            f'<text x="{LABEL_W - 6}" y="{y + CELL / 2 + 4:.0f}" text-anchor="end" '
            f'fill="#1b2430">{escape(row_label[:24])}</text>'
        )
        for j, (col_slug, col_label) in enumerate(cols):
            x = LABEL_W + CELL * j
            cell = by_pair.get((row_slug, col_slug))
            if cell is None:
                out.append(
                    f'<rect x="{x}" y="{y}" width="{CELL - 2}" height="{CELL - 2}" fill="{EMPTY}"/>'
                )
                continue
            colour = heat_colour(cell.open_overdue, cell.requests)
            ink = "#fff" if colour in HEAT[3:] else "#1b2430"
            label = cell_title(row_label, col_label, cell)
            body = (
                f"<title>{escape(label)}</title>"
                f'<rect x="{x}" y="{y}" width="{CELL - 2}" height="{CELL - 2}" rx="3" '
                f'fill="{colour}" stroke="#d5dbe1"/>'
            )
            if cell.requests:
                body += (
                    f'<text x="{x + (CELL - 2) / 2:.0f}" y="{y + CELL / 2 + 3:.0f}" '
                    f'text-anchor="middle" fill="{ink}">{cell.open_overdue}</text>'
                )
            if cell.url:
                out.append(
                    f"<a href={quoteattr(cell.url)} aria-label={quoteattr(label)}>{body}</a>"
                )
            else:
                out.append(f"<g>{body}</g>")
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped


def sparkline(
    values: Sequence[float | None],
    *,
    labels: Sequence[str],
    title: str,
    width: int = 160,
    height: int = 36,
    colour: str = "#0b5c8e",
) -> SafeString:
    """A small line of monthly values (gaps where a month has no value), the last point
    marked, each point titled with its month and value."""
    n = len(values)
    known = [v for v in values if v is not None]
    top = max(known) if known else 0.0
    top = top if top > 0 else 1.0
    pad = 3
    step = (width - 2 * pad) / max(n - 1, 1)

    def y_of(v: float) -> float:
        return height - pad - (height - 2 * pad) * (v / top)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="insights-spark" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        f'stroke="#d5dbe1"/>',
    ]
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, v in enumerate(values):
        if v is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{pad + step * i:.1f},{y_of(v):.1f}")
    if segment:
        segments.append(segment)
    for seg in segments:
        out.append(
            f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" '
            f'stroke-width="2" stroke-linejoin="round"/>'
        )
    for i, v in enumerate(values):
        if v is None:
            continue
        r = 3 if i == n - 1 else 1.5
        label = labels[i] if i < len(labels) else ""
        out.append(
            f'<circle cx="{pad + step * i:.1f}" cy="{y_of(v):.1f}" r="{r}" fill="{colour}">'
            f"<title>{escape(label)}: {escape(_fmt(v))}</title></circle>"
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped
