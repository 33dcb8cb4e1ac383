"""A server-side SVG Gantt chart: bars coloured by agency, the critical path marked,
hand-off arrows, baseline ghost bars and a today line. Presentation attributes only (no
``style``), so it passes the strict CSP and needs no script."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from .scheduling import ItemResult, ProgramSchedule

PALETTE = (
    "#1f77b4",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#ff7f0e",
    "#7f7f7f",
    "#393b79",
    "#637939",
    "#8c6d31",
)
CRITICAL = "#c62828"
PX_PER_DAY = {"week": 18.0, "month": 5.0, "quarter": 1.8}
LABEL_W = 230
ROW_H = 24
HEAD_H = 34
MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def agency_colours(items: list[ItemResult]) -> dict[str, str]:
    """A stable colour per owner agency (in order of first appearance)."""
    colours: dict[str, str] = {}
    for it in items:
        if it.owner_slug not in colours:
            colours[it.owner_slug] = PALETTE[len(colours) % len(PALETTE)]
    return colours


def _ticks(first: dt.date, last: dt.date, zoom: str) -> list[tuple[dt.date, str]]:
    out: list[tuple[dt.date, str]] = []
    if zoom == "week":
        d = first - dt.timedelta(days=first.weekday())
        while d <= last:
            out.append((d, f"{d.day} {MONTHS[d.month - 1]}"))
            d += dt.timedelta(days=7)
        return out
    step = 1 if zoom == "month" else 3
    m = (first.month - 1) // step * step + 1
    d = dt.date(first.year, m, 1)
    while d <= last:
        label = (
            f"{MONTHS[d.month - 1]} {d.year}"
            if zoom == "month"
            else f"T{(d.month - 1) // 3 + 1} {d.year}"
        )
        out.append((d, label))
        y, mo = divmod(d.month - 1 + step, 12)
        d = dt.date(d.year + y, mo + 1, 1)
    return out


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _time_span(items: list[ItemResult], today: dt.date) -> tuple[dt.date, dt.date]:
    dates = [today]
    for it in items:
        dates += [it.start, it.finish]
        if it.baseline_start and it.baseline_finish:
            dates += [it.baseline_start, it.baseline_finish]
    return min(dates) - dt.timedelta(days=3), max(dates) + dt.timedelta(days=10)


def first_late(items: list[ItemResult]) -> ItemResult | None:
    """The first unfinished work item (in plan order) that is behind its baseline or past
    its deadline."""
    return next((it for it in items if it.late and it.actual_finish is None), None)


def gantt_focus(items: list[ItemResult], *, today: dt.date) -> tuple[dt.date, ItemResult | None]:
    """The date the chart opens at: today while the programme is under way (its bars span
    today); before or after that, the start of the first late item when there is one, so
    that the problem is what a reader sees first; else today."""
    if items and min(it.start for it in items) <= today <= max(it.finish for it in items):
        return today, None
    late = first_late(items)
    return (late.start, late) if late is not None else (today, None)


@dataclass(frozen=True)
class GanttLayout:
    """Where the page's sticky row labels and the opening scroll go: the rows drawn, the
    geometry shared with the SVG, the x of the focus date, of today and of the first late
    item in the chart."""

    rows: list[ItemResult]
    row_h: int
    head_h: int
    height: int
    focus_x: int
    today_x: int
    focus_item: ItemResult | None
    late_item: ItemResult | None
    late_x: int | None


def gantt_layout(
    ps: ProgramSchedule, *, zoom: str = "month", today: dt.date, max_rows: int = 400
) -> GanttLayout:
    """The geometry the page needs beside an SVG drawn with ``labels=False``."""
    ppd = PX_PER_DAY.get(zoom, PX_PER_DAY["month"])
    items = ps.items[:max_rows]
    t0, _t1 = _time_span(items, today)
    focus, focus_item = gantt_focus(items, today=today)
    late = first_late(items)
    return GanttLayout(
        rows=items,
        row_h=ROW_H,
        head_h=HEAD_H,
        height=HEAD_H + ROW_H * max(len(items), 1) + 10,
        focus_x=round((focus - t0).days * ppd),
        today_x=round((today - t0).days * ppd),
        focus_item=focus_item,
        late_item=late,
        late_x=round((late.start - t0).days * ppd) if late is not None else None,
    )


def render_gantt(
    ps: ProgramSchedule,
    *,
    zoom: str = "month",
    today: dt.date,
    max_rows: int = 400,
    title: str = "Gantt",
    labels: bool = True,
) -> str:
    """Return the SVG document of the program's Gantt chart. With ``labels=False`` the row
    labels are left out (the page draws them as a sticky HTML column beside the chart)."""
    ppd = PX_PER_DAY.get(zoom, PX_PER_DAY["month"])
    items = ps.items[:max_rows]
    colours = agency_colours(ps.items)
    t0, t1 = _time_span(items, today)
    label_w = LABEL_W if labels else 0
    width = label_w + (t1 - t0).days * ppd + 10
    height = HEAD_H + ROW_H * max(len(items), 1) + 10

    def x(d: dt.date) -> float:
        return label_w + (d - t0).days * ppd

    row_of = {it.id: n for n, it in enumerate(items)}
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_fmt(width)}" height="{height}" '
        f'viewBox="0 0 {_fmt(width)} {height}" role="img" aria-label={quoteattr(title)} '
        f'font-family="sans-serif" font-size="11" class="gantt">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="handoff-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" '
        'fill="#e65100"/></marker></defs>',
        f'<rect x="0" y="0" width="{_fmt(width)}" height="{height}" fill="#ffffff"/>',
    ]
    # Time scale: grid lines and labels.
    out.append('<g class="scale">')
    for d, label in _ticks(t0, t1, zoom):
        if d < t0:
            continue
        xd = _fmt(x(d))
        out.append(
            f'<line x1="{xd}" y1="{HEAD_H - 8}" x2="{xd}" y2="{height}" stroke="#e3e7eb" '
            f'stroke-width="1"/><text x="{_fmt(x(d) + 3)}" y="{HEAD_H - 12}" '
            f'fill="#4a5560">{escape(label)}</text>'
        )
    out.append("</g>")
    # Rows: labels, baseline ghosts, bars.
    for n, it in enumerate(items):
        y = HEAD_H + n * ROW_H
        if n % 2:
            out.append(
                f'<rect x="0" y="{y}" width="{_fmt(width)}" height="{ROW_H}" fill="#f6f8fa"/>'
            )
        if labels:
            label = f"{it.wbs} {it.title}"
            if len(label) > 34:
                label = label[:33] + "…"
            out.append(
                f'<text x="4" y="{y + 16}" fill="#1d2733" class="label">{escape(label)}</text>'
            )
        if it.baseline_start and it.baseline_finish:
            bx = x(it.baseline_start)
            bw = max(x(it.baseline_finish + dt.timedelta(days=1)) - bx, 2)
            out.append(
                f'<rect class="baseline" x="{_fmt(bx)}" y="{y + ROW_H - 6}" width="{_fmt(bw)}" '
                f'height="4" fill="#9aa5b1" fill-opacity="0.8"/>'
            )
        crit = ' data-critical="true"' if it.critical else ""
        cls = "bar critical" if it.critical else "bar"
        colour = colours[it.owner_slug]
        tip = escape(
            f"{it.wbs} {it.title} — {it.owner_name}: {it.start.isoformat()} – "
            f"{it.finish.isoformat()}, float {it.total_float}, {it.percent_complete}%"
            + (" — critical" if it.critical else "")
        )
        stroke = f' stroke="{CRITICAL}" stroke-width="2.5"' if it.critical else ' stroke="none"'
        if it.milestone:
            cx, cy = x(it.finish) + ppd / 2, y + ROW_H / 2 - 2
            pts = f"{_fmt(cx)},{_fmt(cy - 7)} {_fmt(cx + 7)},{_fmt(cy)} {_fmt(cx)},{_fmt(cy + 7)} "
            pts += f"{_fmt(cx - 7)},{_fmt(cy)}"
            out.append(
                f'<polygon class="{cls} milestone" data-wbs={quoteattr(it.wbs)}{crit} '
                f'points="{pts}" fill="{colour}"{stroke}><title>{tip}</title></polygon>'
            )
            continue
        bx = x(it.start)
        bw = max(x(it.finish + dt.timedelta(days=1)) - bx, 2)
        out.append(
            f'<rect class="{cls}" data-wbs={quoteattr(it.wbs)}{crit} x="{_fmt(bx)}" '
            f'y="{y + 4}" width="{_fmt(bw)}" height="{ROW_H - 12}" rx="2" fill="{colour}"'
            f"{stroke}><title>{tip}</title></rect>"
        )
        if it.percent_complete:
            pw = bw * it.percent_complete / 100
            out.append(
                f'<rect class="progress" x="{_fmt(bx)}" y="{y + 9}" width="{_fmt(pw)}" '
                f'height="2" fill="#000000" fill-opacity="0.55"/>'
            )
    # Hand-off arrows: from the predecessor's end to the successor's start.
    by_id = {it.id: it for it in items}
    out.append('<g class="handoffs">')
    for ln in ps.links:
        if not ln.handoff or ln.pred not in row_of or ln.succ not in row_of:
            continue
        p, s = by_id[ln.pred], by_id[ln.succ]
        x1 = x(p.start) if ln.type in ("SS", "SF") else x(p.finish + dt.timedelta(days=1))
        x2 = x(s.finish + dt.timedelta(days=1)) if ln.type in ("FF", "SF") else x(s.start)
        y1 = HEAD_H + row_of[ln.pred] * ROW_H + ROW_H / 2 - 2
        y2 = HEAD_H + row_of[ln.succ] * ROW_H + ROW_H / 2 - 2
        mid = x1 + 6
        colour = CRITICAL if ln.driving else "#e65100"
        out.append(
            f'<path class="handoff" data-from={quoteattr(p.wbs)} data-to={quoteattr(s.wbs)} '
            f'd="M{_fmt(x1)},{_fmt(y1)} H{_fmt(mid)} V{_fmt(y2)} H{_fmt(x2 - 1)}" fill="none" '
            f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="5 2" '
            f'marker-end="url(#handoff-arrow)"><title>{escape(p.owner_name)} → '
            f"{escape(s.owner_name)}: {escape(p.wbs)} → {escape(s.wbs)} {ln.type}"
            f"{ln.lag:+d}</title></path>"
        )
    out.append("</g>")
    tx = _fmt(x(today))
    out.append(
        f'<line class="today" x1="{tx}" y1="{HEAD_H - 6}" x2="{tx}" y2="{height}" '
        f'stroke="#1565c0" stroke-width="1.5" stroke-dasharray="4 3"/>'
        f'<text x="{_fmt(x(today) + 3)}" y="{HEAD_H - 1}" fill="#1565c0">{today.isoformat()}</text>'
    )
    out.append("</svg>")
    return "".join(out)
