"""Tasks and links as the rest of Sinergi hands them to the engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

LinkType = Literal["FS", "SS", "FF", "SF"]


@dataclass(frozen=True)
class Task:
    """A piece of work owned by one agency, with its plan and (optionally) its progress.

    ``duration`` is in working days (0 is a milestone). ``earliest_start`` is a
    start-no-earlier-than date and ``deadline`` a finish-no-later-than date. Progress, as
    known at a data date: ``actual_start``, ``actual_finish``, ``percent_complete``
    (0..100) and ``remaining_duration`` (working days, which wins over the percentage).
    """

    id: str
    duration: int
    agency: str = ""
    earliest_start: date | None = None
    deadline: date | None = None
    actual_start: date | None = None
    actual_finish: date | None = None
    percent_complete: float | None = None
    remaining_duration: int | None = None

    @property
    def finished(self) -> bool:
        """Tell whether the task has an actual finish."""
        return self.actual_finish is not None

    @property
    def started(self) -> bool:
        """Tell whether the task has started (or finished)."""
        return self.actual_start is not None or self.actual_finish is not None

    def plan_only(self) -> Task:
        """Return the task without its progress (the plan as a baseline sees it)."""
        return Task(
            id=self.id,
            duration=self.duration,
            agency=self.agency,
            earliest_start=self.earliest_start,
            deadline=self.deadline,
        )

    def with_progress_of(self, other: Task | None) -> Task:
        """Return this task's plan carrying the progress recorded on ``other``."""
        if other is None:
            return self.plan_only()
        return Task(
            id=self.id,
            duration=self.duration,
            agency=self.agency,
            earliest_start=self.earliest_start,
            deadline=self.deadline,
            actual_start=other.actual_start,
            actual_finish=other.actual_finish,
            percent_complete=other.percent_complete,
            remaining_duration=other.remaining_duration,
        )


@dataclass(frozen=True)
class Link:
    """A dependency from ``pred`` to ``succ`` of type FS/SS/FF/SF with a lag in working days."""

    pred: str
    succ: str
    type: LinkType = "FS"
    lag: int = 0
