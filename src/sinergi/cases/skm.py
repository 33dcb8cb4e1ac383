"""The Survei Kepuasan Masyarakat index of PermenPANRB 14/2017.

Each respondent scores nine elements from 1 to 4. The element's value (NRR) is the mean of
its scores; the index (IKM) is the weighted sum of the nine NRR with equal weights (the
regulation writes 1/9 as 0.111) times 25, so it runs from 25 to 100. Grades by the
regulation's converted intervals: A 88.31–100, B 76.61–88.30, C 65.00–76.60, D 25.00–64.99.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

ELEMENTS = 9

GRADES = (
    (88.31, "A"),
    (76.61, "B"),
    (65.00, "C"),
    (25.00, "D"),
)


def element_values(answers: Iterable[Sequence[int]]) -> list[float] | None:
    """The NRR of each of the nine elements over the respondents, or None without any."""
    rows = [list(a) for a in answers]
    if not rows:
        return None
    return [sum(r[i] for r in rows) / len(rows) for i in range(ELEMENTS)]


def index(answers: Iterable[Sequence[int]]) -> float | None:
    """The SKM index (IKM) 25–100, rounded to two decimals; None without respondents."""
    values = element_values(answers)
    if values is None:
        return None
    return round(sum(values) / ELEMENTS * 25, 2)


def grade(value: float | None) -> str:
    """The regulation's grade letter of an index ("" without an index)."""
    if value is None:
        return ""
    for floor, letter in GRADES:
        if value >= floor:
            return letter
    return "D"
