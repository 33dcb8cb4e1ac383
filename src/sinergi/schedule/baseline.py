"""Comparison of a forecast with a baseline: slip per task and for the project."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .result import Schedule


@dataclass(frozen=True)
class TaskSlip:
    """How many working days a task's start and finish moved from the baseline."""

    id: str
    agency: str
    baseline_start: date
    baseline_finish: date
    start: date
    finish: date
    start_slip: int
    finish_slip: int


@dataclass(frozen=True)
class BaselineComparison:
    """A forecast against its baseline: project slip, slip per task, added/removed tasks."""

    baseline_finish: date
    finish: date
    project_slip: int
    tasks: dict[str, TaskSlip]
    added: list[str]
    removed: list[str]

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form of the comparison."""
        return {
            "baseline_finish": self.baseline_finish.isoformat(),
            "finish": self.finish.isoformat(),
            "project_slip": self.project_slip,
            "tasks": {
                k: {"start_slip": v.start_slip, "finish_slip": v.finish_slip}
                for k, v in self.tasks.items()
            },
            "added": self.added,
            "removed": self.removed,
        }


def compare_baseline(current: Schedule, baseline: Schedule) -> BaselineComparison:
    """Compare a forecast with a baseline in working days of the forecast's calendar.

    A positive slip means later than the baseline. Both are dates, so a baseline taken at
    another data date compares correctly.
    """
    cal = current.calendar

    def slip(before: date, after: date) -> int:
        # Dates are working days, so counting [before, after) gives how many working days
        # later ``after`` is; the sign follows.
        return cal.working_days_between(before, after)

    cur, base = current.tasks, baseline.tasks
    tasks = {
        tid: TaskSlip(
            id=tid,
            agency=r.agency,
            baseline_start=base[tid].start,
            baseline_finish=base[tid].finish,
            start=r.start,
            finish=r.finish,
            start_slip=slip(base[tid].start, r.start),
            finish_slip=slip(base[tid].finish, r.finish),
        )
        for tid, r in cur.items()
        if tid in base
    }
    return BaselineComparison(
        baseline_finish=baseline.finish_date,
        finish=current.finish_date,
        project_slip=slip(baseline.finish_date, current.finish_date),
        tasks=tasks,
        added=[t for t in cur if t not in base],
        removed=[t for t in base if t not in cur],
    )
