"""The JSON document of ``sinergi schedule``: parsing with clear errors, and output."""

from __future__ import annotations

import mmap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from itertools import compress, repeat
from operator import is_not
from typing import Any, Literal

import msgspec
import numpy as np
from numpy.typing import NDArray

from .calendar import Calendar, parse_date
from .errors import ScheduleError
from .model import Link, LinkType, Task
from .network import Network, TaskColumns

_TASK_KEYS = {
    "id",
    "name",
    "duration",
    "agency",
    "earliest_start",
    "deadline",
    "actual_start",
    "actual_finish",
    "percent_complete",
    "remaining_duration",
}
_LINK_KEYS = {"from", "to", "type", "lag"}
_TOP_KEYS = {"data_date", "calendar", "tasks", "links", "near_critical", "revised_by", "label"}


@dataclass(frozen=True)
class Document:
    """A parsed schedule document: calendar, data date, tasks and links."""

    data_date: date
    calendar: Calendar
    tasks: tuple[Task, ...]
    links: tuple[Link, ...]
    near_critical: int | None = None
    revised_by: str | None = None
    label: str = ""


def _int(value: object, where: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScheduleError("invalid_document", f"{where} must be a whole number, not {value!r}")
    if minimum is not None and value < minimum:
        raise ScheduleError("invalid_document", f"{where} must be >= {minimum}, not {value}")
    return value


def _opt_date(obj: Mapping[str, Any], key: str, where: str) -> date | None:
    value = obj.get(key)
    return None if value is None else parse_date(value, f"{where}.{key}")


def _unknown(obj: Mapping[str, Any], allowed: set[str], where: str) -> None:
    extra = ", ".join(sorted(set(obj) - allowed))
    if extra:
        known = ", ".join(sorted(allowed))
        raise ScheduleError(
            "invalid_document", f"{where} has unknown field(s) {extra}; allowed: {known}"
        )


def parse_task(obj: object, where: str) -> Task:
    """Parse one task object of the document."""
    if not isinstance(obj, Mapping):
        raise ScheduleError("invalid_document", f"{where} must be an object")
    _unknown(obj, _TASK_KEYS, where)
    tid = obj.get("id")
    if not isinstance(tid, str) or not tid:
        raise ScheduleError("invalid_document", f"{where}.id must be a non-empty string")
    where = f"task {tid}"
    if "duration" not in obj:
        raise ScheduleError("invalid_document", f"{where}: duration is required", [tid])
    duration = obj["duration"]
    if isinstance(duration, int) and not isinstance(duration, bool) and duration < 0:
        raise ScheduleError("negative_duration", f"{where}: duration {duration} is negative", [tid])
    agency = obj.get("agency", "")
    if not isinstance(agency, str):
        raise ScheduleError("invalid_document", f"{where}: agency must be a string", [tid])
    pct = obj.get("percent_complete")
    if pct is not None and (isinstance(pct, bool) or not isinstance(pct, int | float)):
        raise ScheduleError("invalid_document", f"{where}: percent_complete must be a number")
    rem = obj.get("remaining_duration")
    return Task(
        id=tid,
        duration=_int(duration, f"{where}: duration"),
        agency=agency,
        earliest_start=_opt_date(obj, "earliest_start", where),
        deadline=_opt_date(obj, "deadline", where),
        actual_start=_opt_date(obj, "actual_start", where),
        actual_finish=_opt_date(obj, "actual_finish", where),
        percent_complete=None if pct is None else float(pct),
        remaining_duration=None if rem is None else _int(rem, f"{where}: remaining_duration", 0),
    )


def parse_link(obj: object, where: str) -> Link:
    """Parse one link object of the document."""
    if not isinstance(obj, Mapping):
        raise ScheduleError("invalid_document", f"{where} must be an object")
    _unknown(obj, _LINK_KEYS, where)
    pred, succ = obj.get("from"), obj.get("to")
    if not isinstance(pred, str) or not isinstance(succ, str):
        raise ScheduleError("invalid_document", f"{where}: from and to must be task ids")
    typ = obj.get("type", "FS")
    if typ not in ("FS", "SS", "FF", "SF"):
        raise ScheduleError(
            "invalid_link_type",
            f"{where} ({pred} -> {succ}): type {typ!r} is not FS, SS, FF or SF",
            [pred, succ],
        )
    link_type: LinkType = typ
    return Link(pred, succ, link_type, _int(obj.get("lag", 0), f"{where} ({pred} -> {succ}): lag"))


def parse_document(doc: object) -> Document:
    """Check and parse a schedule document; raise ScheduleError naming the bad field."""
    if not isinstance(doc, Mapping):
        raise ScheduleError("invalid_document", "the document must be a JSON object")
    _unknown(doc, _TOP_KEYS, "the document")
    if "data_date" not in doc:
        raise ScheduleError("invalid_document", "data_date is required (YYYY-MM-DD)")
    data_date = parse_date(doc["data_date"], "data_date")
    calendar = Calendar.from_dict(doc.get("calendar", {}))
    tasks = doc.get("tasks")
    if not isinstance(tasks, list):
        raise ScheduleError("invalid_document", "tasks must be a list of task objects")
    links = doc.get("links", [])
    if not isinstance(links, list):
        raise ScheduleError("invalid_document", "links must be a list of link objects")
    near = doc.get("near_critical")
    revised_by = doc.get("revised_by")
    if revised_by is not None and not isinstance(revised_by, str):
        raise ScheduleError("invalid_document", "revised_by must be an agency name")
    return Document(
        data_date=data_date,
        calendar=calendar,
        tasks=tuple(parse_task(t, f"tasks[{i}]") for i, t in enumerate(tasks)),
        links=tuple(parse_link(ln, f"links[{i}]") for i, ln in enumerate(links)),
        near_critical=None if near is None else _int(near, "near_critical"),
        revised_by=revised_by,
        label=str(doc.get("label", "")),
    )


# -- the columnar route -------------------------------------------------------------------
#
# Large documents are decoded by msgspec straight into typed structs (no dict per task or
# link) and turned into columns. This route only accepts documents it can take without a
# doubt; anything else (wrong types, unknown fields, bad dates, an "updates" document...)
# makes it give up, and the caller runs the object route above, which names the problem.


class _Task(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, gc=False):
    id: str
    duration: int
    name: Any = None
    agency: str = ""
    earliest_start: str | None = None
    deadline: str | None = None
    actual_start: str | None = None
    actual_finish: str | None = None
    percent_complete: float | None = None
    remaining_duration: int | None = None


class _Link(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, gc=False):
    pred: str = msgspec.field(name="from")
    succ: str = msgspec.field(name="to")
    type: Literal["FS", "SS", "FF", "SF"] = "FS"
    lag: int = 0


class _Doc(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, gc=False):
    data_date: str
    calendar: Any = msgspec.UNSET
    # Left as bytes: read by compiled loops when written the plain way (see _plain_tasks
    # and _links).
    tasks: msgspec.Raw
    links: msgspec.Raw = msgspec.field(default_factory=lambda: msgspec.Raw(b"[]"))
    near_critical: int | None = None
    revised_by: str | None = None
    label: Any = ""


_DECODER = msgspec.json.Decoder(_Doc)
_TASKS_DECODER = msgspec.json.Decoder(list[_Task])
_LINKS_DECODER = msgspec.json.Decoder(list[_Link])
_TYPE_CODE = {"FS": 0, "SS": 1, "FF": 2, "SF": 3}


class GiveUp(Exception):
    """The columnar route cannot take this document; use the object route."""


def _given(values: list[Any]) -> list[int]:
    """Return the positions of the values that are not None (most are, in a plan)."""
    if values.count(None) == len(values):
        return []
    return list(compress(range(len(values)), map(is_not, values, repeat(None))))


def _dates(values: list[str | None]) -> NDArray[np.datetime64]:
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    given = _given(values)
    if given:
        out[given] = [_day(values[i]) for i in given]  # type: ignore[arg-type]
    return out


def _optional(values: list[Any], dtype: type[np.generic]) -> tuple[NDArray[Any], NDArray[Any]]:
    """Return an optional number column as values (0 where none) and a mask of those given."""
    n = len(values)
    out = np.zeros(n, dtype=dtype)
    has = np.zeros(n, dtype=bool)
    given = _given(values)
    if given:
        out[given] = [values[i] for i in given]
        has[given] = True
    return out, has


def parse_columns(raw: bytes | mmap.mmap) -> tuple[Document, Network]:
    """Decode a schedule document from JSON bytes into columns and index its network.

    Raises :class:`GiveUp` when the document is not one this route takes without a doubt
    (the object route then gives the verdict); a :class:`ScheduleError` raised here is
    the same verdict the object route reaches.
    """
    try:
        doc = _DECODER.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise GiveUp from None
    try:
        columns, links = _columns(doc)
    except OverflowError:  # numbers beyond 64 bits
        raise GiveUp from None
    data_date = _day(doc.data_date)  # checked before the calendar, as parse_document does
    calendar = Calendar.from_dict({} if doc.calendar is msgspec.UNSET else doc.calendar)
    parsed = Document(
        data_date=data_date,
        calendar=calendar,
        tasks=(),
        links=(),
        near_critical=doc.near_critical,
        revised_by=doc.revised_by,
        label=str(doc.label),
    )
    return parsed, Network.from_columns(columns, *links, checked=True)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise GiveUp from None


_LinkArrays = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int8], NDArray[np.int64]]


def _columns(doc: _Doc) -> tuple[TaskColumns, _LinkArrays]:
    columns = _plain_tasks(doc.tasks)
    if columns is None:
        try:
            tasks = _TASKS_DECODER.decode(doc.tasks)
        except (msgspec.DecodeError, msgspec.ValidationError):
            raise GiveUp from None
        columns = _decoded_tasks(tasks)
    return columns, _links(doc.links, columns.ids)


def _plain_tasks(raw: msgspec.Raw) -> TaskColumns | None:
    """Return the columns of tasks written the plain way, read from the bytes by a
    compiled loop (no msgspec struct per task), or None if the loop does not take them."""
    from ._kernels import HAVE_NUMBA

    if not HAVE_NUMBA:
        return None
    from . import _json_kernels as jk

    buf = np.frombuffer(raw, dtype=np.uint8)
    # Room for everything; pages not written are never touched.
    id_text = np.empty(buf.size, dtype=np.uint8)
    agency_text = np.empty(buf.size, dtype=np.uint8)
    durations = np.empty(buf.size // 24 + 1, dtype=np.int64)  # {"id":"a","duration":0}
    extra = np.empty((buf.size // 13 + 1, 4), dtype=np.int64)  # "deadline":""
    used = np.zeros(3, dtype=np.int64)
    n = jk.read_tasks(buf, id_text, agency_text, durations, extra, used)
    if n < 0:
        return None
    ids = id_text[: used[0]].tobytes().decode("ascii").split('"') if n else []
    agencies = agency_text[: used[1]].tobytes().decode("ascii").split('"') if n else []
    durations = durations[:n]
    rows = extra[: used[2]]
    task, key = rows[:, 0], rows[:, 1]

    def spans(k: int) -> tuple[NDArray[np.int64], list[bytes]]:
        sel = key == k
        return task[sel], [buf[a:b].tobytes() for a, b in rows[sel, 2:4].tolist()]

    rem, has_rem = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    sel = key == 9
    rem[task[sel]] = rows[sel, 2]
    has_rem[task[sel]] = True
    pct, has_pct = np.zeros(n, dtype=np.float64), np.zeros(n, dtype=bool)
    where, texts = spans(8)
    if texts:
        pct[where] = [float(t) for t in texts]  # as json.loads reads them
        has_pct[where] = True
    if n and (int(durations.min()) < 0 or int(rem.min()) < 0):
        raise GiveUp
    days = []
    for k in (4, 5, 6, 7):  # earliest start, deadline, actual start, actual finish
        out = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        where, texts = spans(k)
        if texts:
            out[where] = [_day(t.decode("ascii")) for t in texts]
        days.append(out)
    return TaskColumns(
        ids=ids,
        agencies=agencies,
        durations=durations,
        earliest_start=days[0],
        deadline=days[1],
        actual_start=days[2],
        actual_finish=days[3],
        percent_complete=pct,
        has_pct=has_pct,
        remaining=rem,
        has_rem=has_rem,
        odd=np.zeros(n, dtype=bool),
    )


def _decoded_tasks(tasks: list[_Task]) -> TaskColumns:
    n = len(tasks)
    ids = [t.id for t in tasks]
    durations = np.array([t.duration for t in tasks], dtype=np.int64)
    rem, has_rem = _optional([t.remaining_duration for t in tasks], np.int64)
    pct, has_pct = _optional([t.percent_complete for t in tasks], np.float64)
    if not all(ids) or (n and (int(durations.min()) < 0 or int(rem.min()) < 0)):
        raise GiveUp
    return TaskColumns(
        ids=ids,
        agencies=[t.agency for t in tasks],
        durations=durations,
        earliest_start=_dates([t.earliest_start for t in tasks]),
        deadline=_dates([t.deadline for t in tasks]),
        actual_start=_dates([t.actual_start for t in tasks]),
        actual_finish=_dates([t.actual_finish for t in tasks]),
        percent_complete=pct,
        has_pct=has_pct,
        remaining=rem,
        has_rem=has_rem,
        odd=np.zeros(n, dtype=bool),
    )


def _id_bytes(ids: list[str]) -> tuple[bytes, NDArray[np.int64]]:
    """Return the ids as UTF-8 bytes end to end and where each one starts (n + 1 offsets)."""
    text = "".join(ids).encode("utf-8", "surrogatepass")
    sizes = np.fromiter(map(len, ids), np.int64, len(ids))
    if len(text) != int(sizes.sum()):  # not all ASCII: the length in bytes of each
        sizes = np.fromiter((len(i.encode("utf-8", "surrogatepass")) for i in ids), np.int64)
    ptr = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(sizes, out=ptr[1:])
    return text, ptr


def _links(raw: msgspec.Raw, ids: list[str]) -> _LinkArrays:
    """Return the links as task indices, type codes and lags.

    Links written the plain way are read from the bytes and their ends found by a
    compiled loop, without a Python object per link or per end; anything else is decoded
    by msgspec and its ends found through Arrow's hash.
    """
    from ._kernels import HAVE_NUMBA

    if HAVE_NUMBA:
        from . import _json_kernels as jk

        buf = np.frombuffer(raw, dtype=np.uint8)
        cap = buf.size // 19 + 1  # {"from":"","to":""} is the shortest link
        ends: jk.Positions = (
            np.empty(4 * cap, dtype=np.int32)
            if buf.size < 1 << 31
            else np.empty(4 * cap, dtype=np.int64)
        )
        typ = np.empty(cap, dtype=np.int8)
        lag = np.empty(cap, dtype=np.int64)
        m = jk.read_links(buf, ends, typ, lag)
        if m >= 0:
            text, ptr = _id_bytes(ids)
            found = np.empty(2 * m, dtype=np.int64)
            code = jk.find_ends(np.frombuffer(text, dtype=np.uint8), ptr, buf, ends, m, found)
            if code:  # a repeated id, or a link to an unknown task
                raise GiveUp
            pairs = found.reshape(m, 2)
            return pairs[:, 0].copy(), pairs[:, 1].copy(), typ[:m].copy(), lag[:m].copy()
    try:
        links = _LINKS_DECODER.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise GiveUp from None
    return _decoded_links(links, ids)


def _decoded_links(links: list[_Link], ids: list[str]) -> _LinkArrays:
    n = len(ids)
    m = len(links)
    # Task ids of the link ends, by hashing in Arrow (a dict lookup per end costs more
    # than twice the CPU); the ids themselves go last so that a repeated id shows.
    import pyarrow as pa
    import pyarrow.compute as pc

    ends = [ln.pred for ln in links]
    ends += [ln.succ for ln in links]
    ends += ids
    found = pc.index_in(pa.array(ends, pa.string()), value_set=pa.array(ids, pa.string()))
    if found.null_count:  # a link to an unknown task
        raise GiveUp
    where = found.to_numpy(zero_copy_only=False).astype(np.int64)
    if not np.array_equal(where[2 * m :], np.arange(n)):  # a repeated id
        raise GiveUp
    src, dst = where[:m], where[m : 2 * m]
    typ = np.fromiter(map(_TYPE_CODE.__getitem__, [ln.type for ln in links]), np.int8, m)
    lag = np.array([ln.lag for ln in links], dtype=np.int64)
    return src, dst, typ, lag
