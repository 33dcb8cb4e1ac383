"""Delay attributed to agencies: a split windows analysis over successive status updates.

In the spirit of AACE RP 29R-03, MIP 3.4 (observational, contemporaneous, split): for each
window between two updates U(k-1) and U(k), a half-step schedule H(k) applies the progress
of U(k) to the plan of U(k-1). The move of the forecast finish from F(k-1) to H(k) is slip
from progress; from H(k) to F(k) it is slip from plan revisions. Each part is told along the
driving (controlling) path of the later schedule; see ``docs/scheduling.md`` for the rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from .calendar import Calendar
from .document import parse_document
from .engine import FROM_START, PLANNED
from .errors import ScheduleError
from .model import Link, Task
from .network import Network
from .result import ChainPoint, Schedule

Half = Literal["progress", "revision"]
#: A party that delay is attributed to: ("agency", name) or ("handoff", from, to).
Party = tuple[str, ...]


@dataclass(frozen=True)
class StatusUpdate:
    """One status update of a program: its plan and the progress known at a data date.

    ``revised_by`` names the agency that changed the plan since the previous update, if one
    did; the slip from that revision is then attributed to it as a whole.
    """

    data_date: date
    tasks: Sequence[Task]
    links: Sequence[Link]
    revised_by: str | None = None
    label: str = ""


@dataclass(frozen=True)
class Step:
    """One step along a controlling path and the working days it moved the finish."""

    half: Half
    task: str
    end: str
    link: tuple[str, str] | None
    after: int
    before: int
    days: int
    party: Party
    note: str


@dataclass(frozen=True)
class Window:
    """How far the forecast finish moved between two updates, along which path, and whose."""

    index: int
    label_from: str
    label_to: str
    data_date_from: date
    data_date_to: date
    finish_before: date
    finish_half: date
    finish_after: date
    movement: int
    progress_movement: int
    revision_movement: int
    controlling_path: list[str]
    revision_path: list[str]
    by_agency: dict[str, int]
    by_handoff: dict[tuple[str, str], int]
    steps: list[Step] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form of the window."""
        return {
            "window": self.index,
            "from": self.label_from or self.data_date_from.isoformat(),
            "to": self.label_to or self.data_date_to.isoformat(),
            "data_date_from": self.data_date_from.isoformat(),
            "data_date_to": self.data_date_to.isoformat(),
            "finish_before": self.finish_before.isoformat(),
            "finish_half_step": self.finish_half.isoformat(),
            "finish_after": self.finish_after.isoformat(),
            "movement": self.movement,
            "progress_movement": self.progress_movement,
            "revision_movement": self.revision_movement,
            "controlling_path": self.controlling_path,
            "revision_path": self.revision_path,
            "by_agency": self.by_agency,
            "by_handoff": {f"{a} -> {b}": v for (a, b), v in self.by_handoff.items()},
            "steps": [
                {
                    "half": s.half,
                    "task": s.task,
                    "end": s.end,
                    "link": None if s.link is None else f"{s.link[0]} -> {s.link[1]}",
                    "after": s.after,
                    "before": s.before,
                    "days": s.days,
                    "party": _party_label(s.party),
                    "note": s.note,
                }
                for s in self.steps
            ],
        }


@dataclass(frozen=True)
class DelayAnalysis:
    """Windows of a program's status updates with the delay attributed in each."""

    origin: date
    finish_dates: list[date]
    windows: list[Window]

    @property
    def movement(self) -> int:
        """Return the working days the forecast finish moved from first to last update."""
        return sum(w.movement for w in self.windows)

    @property
    def by_agency(self) -> dict[str, int]:
        """Return the working days attributed to each agency over all windows."""
        out: dict[str, int] = {}
        for w in self.windows:
            for k, v in w.by_agency.items():
                out[k] = out.get(k, 0) + v
        return {k: v for k, v in out.items() if v}

    @property
    def by_handoff(self) -> dict[tuple[str, str], int]:
        """Return the working days attributed to each hand-off over all windows."""
        out: dict[tuple[str, str], int] = {}
        for w in self.windows:
            for k, v in w.by_handoff.items():
                out[k] = out.get(k, 0) + v
        return {k: v for k, v in out.items() if v}

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form printed by ``sinergi schedule`` for an updates document."""
        return {
            "origin": self.origin.isoformat(),
            "finish_dates": [d.isoformat() for d in self.finish_dates],
            "movement": self.movement,
            "by_agency": self.by_agency,
            "by_handoff": {f"{a} -> {b}": v for (a, b), v in self.by_handoff.items()},
            "windows": [w.as_dict() for w in self.windows],
        }


def _party_label(p: Party) -> str:
    return p[1] if p[0] == "agency" else f"{p[1]} -> {p[2]}"


def attribute_delay(updates: Sequence[StatusUpdate], calendar: Calendar) -> DelayAnalysis:
    """Run the split windows analysis over successive updates of one program."""
    if not updates:
        raise ScheduleError("invalid_document", "at least one status update is needed")
    for a, b in zip(updates, updates[1:], strict=False):
        if b.data_date <= a.data_date:
            raise ScheduleError(
                "invalid_document",
                f"updates must have increasing data dates ({a.data_date} then {b.data_date})",
            )
    origin = updates[0].data_date
    forecasts = [Network(u.tasks, u.links).schedule(calendar, u.data_date) for u in updates]
    windows: list[Window] = []
    for k in range(1, len(updates)):
        before, after, upd = forecasts[k - 1], forecasts[k], updates[k]
        progress = {t.id: t for t in upd.tasks}
        earlier = {t.id: t for t in updates[k - 1].tasks}
        # The half-step: the earlier plan (same links, so its index is reused) carrying the
        # later progress; a task dropped from the later plan keeps its earlier progress.
        half_net = before.network.replace_tasks(
            t.with_progress_of(progress.get(t.id, earlier.get(t.id))) for t in before.network.tasks
        )
        half = half_net.schedule(calendar, upd.data_date)
        # Each half has its own ledger: float met while telling a revision apart must not
        # cancel delay already told from progress.
        progress_ledger, revision_ledger = _Ledger(), _Ledger()
        steps = _walk(half, before, origin, "progress", None, progress_ledger)
        steps += _walk(after, half, origin, "revision", upd.revised_by, revision_ledger)
        fin = [_abs_finish(s, origin) for s in (before, half, after)]
        by_agency, by_handoff = _merge(progress_ledger.totals(), revision_ledger.totals())
        windows.append(
            Window(
                index=k,
                label_from=updates[k - 1].label,
                label_to=upd.label,
                data_date_from=updates[k - 1].data_date,
                data_date_to=upd.data_date,
                finish_before=before.finish_date,
                finish_half=half.finish_date,
                finish_after=after.finish_date,
                movement=fin[2] - fin[0],
                progress_movement=fin[1] - fin[0],
                revision_movement=fin[2] - fin[1],
                controlling_path=half.critical_path,
                revision_path=after.critical_path,
                by_agency=by_agency,
                by_handoff=by_handoff,
                steps=steps,
            )
        )
    return DelayAnalysis(origin, [f.finish_date for f in forecasts], windows)


def _merge(
    *parts: tuple[dict[str, int], dict[tuple[str, str], int]],
) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    agencies: dict[str, int] = {}
    handoffs: dict[tuple[str, str], int] = {}
    for ag, ho in parts:
        for k, v in ag.items():
            agencies[k] = agencies.get(k, 0) + v
        for h, v in ho.items():
            handoffs[h] = handoffs.get(h, 0) + v
    return {k: v for k, v in agencies.items() if v}, {k: v for k, v in handoffs.items() if v}


def _abs_finish(s: Schedule, origin: date) -> int:
    return s.finish_offset + s.absolute(origin)


class _Ledger:
    """Running attribution of one window, in the order the path met each party."""

    def __init__(self) -> None:
        self.entries: list[list[Any]] = []  # [party, days]

    def add(self, party: Party, days: int) -> None:
        for e in self.entries:
            if e[0] == party:
                e[1] += days
                return
        self.entries.append([party, days])

    def absorb(self, days: int, fallback: Party) -> None:
        # Float on the path is consumed by the delays that reached it first; any float
        # left over means the path arrived early because the path that used to drive this
        # point gained, so the gain goes to the owner of that path.
        for e in self.entries:
            if days == 0:
                return
            if e[1] > 0:
                take = min(e[1], days)
                e[1] -= take
                days -= take
        if days:
            self.add(fallback, -days)

    def totals(self) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
        """Return the days per agency and per hand-off, dropping parties at zero."""
        agencies: dict[str, int] = {}
        handoffs: dict[tuple[str, str], int] = {}
        for party, days in self.entries:
            if not days:
                continue
            if party[0] == "agency":
                agencies[party[1]] = agencies.get(party[1], 0) + days
            else:
                handoffs[(party[1], party[2])] = handoffs.get((party[1], party[2]), 0) + days
        return agencies, handoffs


def _agency(s: Schedule, i: int) -> Party:
    return ("agency", s.network.tasks[i].agency)


def _link_party(s: Schedule, e: int) -> Party:
    net = s.network
    a = net.tasks[int(net.link_src[e])].agency
    b = net.tasks[int(net.link_dst[e])].agency
    return ("agency", a) if a == b else ("handoff", a, b)


def _origin_party(s: Schedule, p: ChainPoint) -> tuple[Party, str]:
    i = p.task
    if p.end == "F":
        return _agency(s, i), "finish"
    if int(s.kind[i]) != PLANNED or int(s.floor[i]) != 0:
        return _agency(s, i), "start"
    links = s.network.preds.get(i, [])
    if not links:
        return _agency(s, i), "start"
    # Ready before the data date yet not started: the delay sits at the hand-off whose
    # release came last.
    r = s.result
    net = s.network

    def demand(e: int) -> int:
        pred = int(net.link_src[e])
        t = int(net.link_type[e])
        return int((r.es if t & FROM_START else r.ef)[pred]) + int(net.link_lag[e])

    e = max(links, key=demand)
    return _link_party(s, e), "waiting"


def _walk(
    after: Schedule,
    before: Schedule,
    origin: date,
    half: Half,
    revised_by: str | None,
    ledger: _Ledger,
) -> list[Step]:
    base_a = after.absolute(origin)
    base_b = before.absolute(origin)
    end_a = after.finish_offset + base_a
    end_b = before.finish_offset + base_b
    chain = after.driving_chain()
    steps: list[Step] = []
    net_a = after.network
    idx_b = before.network.index

    def record(p: ChainPoint | None, a: int, b: int, c: int, party: Party, note: str) -> None:
        if revised_by is not None:
            party = ("agency", revised_by)
        if p is None:
            task, end, link = "(finish)", "F", None
        else:
            task, end = net_a.tasks[p.task].id, p.end
            link = None
            if p.link is not None:
                ln = net_a.links[p.link]
                link = (ln.pred, ln.succ)
        if c:
            steps.append(Step(half, task, end, link, a, b, c, party, note))

    def absorb(c: int, a: int, b: int, p: ChainPoint | None) -> None:
        # c < 0: float of the earlier schedule used up along this path.
        fallback = _before_driver_party(before, net_a, p)
        if revised_by is not None:
            fallback = ("agency", revised_by)
        record(p, a, b, c, fallback, "float")
        ledger.absorb(-c, fallback)

    if not chain:
        c = end_a - end_b
        party: Party = ("agency", revised_by or "")
        record(None, end_a, end_b, c, party, "empty plan")
        ledger.add(party, c)
        return steps
    prev_a = prev_b = 0
    for n, p in enumerate(chain):
        a = after.point_value(p) + base_a
        j = idx_b.get(net_a.tasks[p.task].id)
        b = None if j is None else before.point_value(ChainPoint(j, p.end)) + base_b
        if n == 0:
            b = a if b is None else b
            party, note = _origin_party(after, p)
            party = ("agency", revised_by) if revised_by is not None else party
            record(p, a, b, a - b, party, note)
            ledger.add(party, a - b)
        else:
            # A point the earlier schedule lacks (a task added by a revision) counts as no
            # time at all there, so its whole length is attributed where it appears.
            b = prev_b if b is None else b
            c = (a - prev_a) - (b - prev_b)
            if p.link is None:
                party = _agency(after, p.task)
                party = ("agency", revised_by) if revised_by is not None else party
                record(p, a, b, c, party, "duration")
                ledger.add(party, c)
            elif c >= 0:
                party = _link_party(after, p.link)
                party = ("agency", revised_by) if revised_by is not None else party
                record(p, a, b, c, party, "link")
                ledger.add(party, c)
            else:
                absorb(c, a, b, p)
        prev_a, prev_b = a, b
    c = (end_a - prev_a) - (end_b - prev_b)
    if c > 0:  # pragma: no cover - the path ends at the finish, so this cannot happen
        raise AssertionError("controlling path does not end at the project finish")
    if c < 0:
        absorb(c, end_a, end_b, None)
    return steps


def _before_driver_party(before: Schedule, net_a: Network, p: ChainPoint | None) -> Party:
    if p is None:
        f = before.finish_task()
        return ("agency", "") if f is None else _agency(before, f)
    tid = net_a.tasks[p.task].id
    j = before.network.index.get(tid)
    if j is None:
        return ("agency", net_a.tasks[p.task].agency)
    d = before.driver(ChainPoint(j, p.end))
    if d is None or d.task == j:
        return _agency(before, j)
    return _agency(before, d.task)


def parse_updates(doc: Mapping[str, Any]) -> tuple[Calendar, list[StatusUpdate]]:
    """Parse an updates document: a shared calendar and a list of schedule documents."""
    updates = doc.get("updates")
    if not isinstance(updates, list) or not updates:
        raise ScheduleError("invalid_document", "updates must be a non-empty list of documents")
    extra = sorted(set(doc) - {"calendar", "updates"})
    if extra:
        raise ScheduleError(
            "invalid_document", f"unknown field(s) {', '.join(extra)} beside updates"
        )
    calendar = Calendar.from_dict(doc.get("calendar", {}))
    out: list[StatusUpdate] = []
    for i, u in enumerate(updates):
        if not isinstance(u, dict):
            raise ScheduleError("invalid_document", f"updates[{i}] must be an object")
        try:
            parsed = parse_document({"calendar": calendar.to_dict(), **u})
        except ScheduleError as exc:
            raise ScheduleError(exc.code, f"updates[{i}]: {exc.message}", exc.ids) from None
        out.append(
            StatusUpdate(
                parsed.data_date, parsed.tasks, parsed.links, parsed.revised_by, parsed.label
            )
        )
    return calendar, out


def analyse_document(doc: Mapping[str, Any]) -> dict[str, object]:
    """Run the windows analysis on an updates document and return the JSON result."""
    calendar, updates = parse_updates(doc)
    return attribute_delay(updates, calendar).as_dict()
