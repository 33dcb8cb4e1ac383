"""Pages of long lists with a bounded count, cheap at both ends.

Django's ``Paginator`` counts every matching row and reaches page *n* with ``OFFSET``: at
a million rows both read the whole list. A ``BoundedPage`` counts at most ``cap + 1``
rows (beyond it the list says "more than 10,000"), and numbers pages from either end:
page 3 is the third from the start, page -1 the last, -2 the one before it. A page near
the end is read in the reverse order of the list, so the last page costs what the first
does. When the count is exact (at most ``cap``), the pages are numbered from the start
as usual and those in the second half are still read from the end.

The query set must be ordered by a unique key (for example ``("due_at", "pk")``), so that
its reverse is the exact mirror of it. See docs/decisions/bounded-list-counts.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

COUNT_CAP = 10_000


@dataclass
class BoundedPage:
    """One page: its rows, where it sits and the count (exact, or ``cap`` when capped)."""

    object_list: list[Any]
    number: int  # 1-based from the start; negative: from the end (-1 is the last page)
    count: int
    capped: bool
    per_page: int
    num_pages: int | None  # None when the count is capped
    has_previous: bool
    has_next: bool
    extra: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def from_end(self) -> int:
        """How far from the end a page numbered from it sits (1 for the last), else 0."""
        return -self.number if self.number < 0 else 0

    @property
    def is_first(self) -> bool:
        return not self.has_previous

    @property
    def is_last(self) -> bool:
        return not self.has_next


def _page_number(value: Any) -> int:
    if value == "last":
        return -1
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return 1
    return number if number != 0 else 1


def bounded_page(
    qs: QuerySet[Any],
    page: Any,
    per_page: int,
    *,
    cap: int | None = None,
    load: Callable[[list[Any]], list[Any]] | None = None,
) -> BoundedPage:
    """The page ``page`` ("last", a number, a negative number from the end) of ``qs``.

    With ``load`` the page is found as ids in ``qs``'s order (its table alone: no joins,
    no prefetch), then ``load(ids)`` reads those rows in that order: for a search whose
    filter matches thousands of rows, PostgreSQL otherwise joined every match before
    sorting it (docs/decisions/bounded-list-counts.md)."""
    cap = COUNT_CAP if cap is None else cap

    def rows_of(part: QuerySet[Any], start: int, stop: int) -> list[Any]:
        if load is None:
            return list(part[start:stop])
        return load(list(part.values_list("pk", flat=True)[start:stop]))

    count = qs.order_by()[: cap + 1].count()
    capped = count > cap
    number = _page_number(page)
    if not capped:
        num_pages = max(1, math.ceil(count / per_page))
        if number < 0:
            number = num_pages + 1 + number
        number = min(max(1, number), num_pages)
        start, stop = (number - 1) * per_page, min(count, number * per_page)
        if number > 1 and start * 2 > count:
            rows = rows_of(qs.reverse(), count - stop, count - start)[::-1]
        else:
            rows = rows_of(qs, start, stop)
        return BoundedPage(
            rows, number, count, False, per_page, num_pages, number > 1, number < num_pages
        )
    if number > 0:
        rows = rows_of(qs, (number - 1) * per_page, number * per_page + 1)
        if rows or number == 1:
            more = len(rows) > per_page
            return BoundedPage(rows[:per_page], number, cap, True, per_page, None, number > 1, more)
        number = -1  # past the end: the last page
    back = -number
    rows = rows_of(qs.reverse(), (back - 1) * per_page, back * per_page + 1)
    if not rows:  # before the start: the first page
        return bounded_page(qs, 1, per_page, cap=cap, load=load)
    more = len(rows) > per_page
    return BoundedPage(rows[:per_page][::-1], number, cap, True, per_page, None, more, back > 1)


def paginate_bounded(
    request: HttpRequest,
    qs: QuerySet[Any],
    per_page: int = 50,
    *,
    cap: int | None = None,
    load: Callable[[list[Any]], list[Any]] | None = None,
) -> dict[str, Any]:
    """A bounded page of ``qs`` and the query string that keeps the filters across pages."""
    page = bounded_page(qs, request.GET.get("page"), per_page, cap=cap, load=load)
    params = request.GET.copy()
    params.pop("page", None)
    query = params.urlencode()
    return {"page_obj": page, "querystring_without_page": f"{query}&" if query else ""}


class MappedRows:
    """A query set whose rows become output only when a page of it is taken.

    The API's ``Pagination`` counts what it is given and slices the page from it: handed
    ``MappedRows(qs, fn)`` it counts ``qs`` in the database and calls ``fn`` on the rows
    of the page alone, instead of on every row before slicing (as a list would)."""

    def __init__(self, qs: QuerySet[Any], fn: Callable[[Any], Any]) -> None:
        self.qs = qs
        self.fn = fn

    def all(self) -> MappedRows:
        return self

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Any]:
        if not isinstance(window, slice):
            raise TypeError("MappedRows is read by pages (slices) only")
        return [self.fn(row) for row in self.qs[window]]


IN_LIST_MAX = 2000  # ids bound as query parameters; beyond it the subquery itself is used


def bound_ids(ids: QuerySet[Any]) -> Any:
    """The values of a one-column ``values_list`` query as a list when there are at most
    ``IN_LIST_MAX``, else the query itself (used as a subquery).

    Visibility filters OR together conditions on several indexed columns; a subquery
    inside such an OR keeps PostgreSQL from combining the indexes (it scans the table),
    bound ids do not (docs/decisions/bounded-list-counts.md)."""
    found = list(ids[: IN_LIST_MAX + 1])
    return ids if len(found) > IN_LIST_MAX else found
