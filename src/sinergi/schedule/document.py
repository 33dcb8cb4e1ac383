"""The JSON document of ``sinergi schedule``: parsing with clear errors, and output."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .calendar import Calendar, parse_date
from .errors import ScheduleError
from .model import Link, LinkType, Task

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
