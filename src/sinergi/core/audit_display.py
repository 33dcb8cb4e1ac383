"""The audit log as people read it: the object's and fields' names in the user's language,
choice labels and names of related rows instead of codes and ids, only what changed, and
pages that never count the whole log.

Core imports no app: models are looked up in the app registry by the entry's object type.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import AuditEntry

EMPTY = "—"
MAX_VALUE_CHARS = 160
# Bookkeeping keys that say nothing to a reader when a row is created.
QUIET_ON_CREATE = frozenset({"id", "created_at", "updated_at", "search_vector"})

# The last word of an action code in words ("request.answer" → "answered").
VERBS: dict[str, Any] = {
    "acknowledge": gettext_lazy("acknowledged"),
    "add": gettext_lazy("added"),
    "add_partner": gettext_lazy("partner added"),
    "adjustment": gettext_lazy("stock adjusted"),
    "advance": gettext_lazy("moved to the next step"),
    "accept": gettext_lazy("accepted"),
    "allocate": gettext_lazy("allocated"),
    "answer": gettext_lazy("answered"),
    "attendance": gettext_lazy("attendance recorded"),
    "clarify": gettext_lazy("clarification asked"),
    "close": gettext_lazy("closed"),
    "collected": gettext_lazy("collected"),
    "complaint": gettext_lazy("complaint filed"),
    "configure": gettext_lazy("configured"),
    "create": gettext_lazy("created"),
    "decision": gettext_lazy("decision recorded"),
    "decline": gettext_lazy("declined"),
    "delete": gettext_lazy("deleted"),
    "discarded": gettext_lazy("discarded"),
    "escalate": gettext_lazy("escalated"),
    "expired": gettext_lazy("expired"),
    "extend": gettext_lazy("extended"),
    "file": gettext_lazy("filed"),
    "forward": gettext_lazy("forwarded"),
    "fulfil": gettext_lazy("fulfilled"),
    "issue": gettext_lazy("issued"),
    "issued": gettext_lazy("issued"),
    "load": gettext_lazy("loaded"),
    "login": gettext_lazy("signed in"),
    "logout": gettext_lazy("signed out"),
    "progress": gettext_lazy("progress reported"),
    "publish": gettext_lazy("published"),
    "rate": gettext_lazy("rated"),
    "record": gettext_lazy("recorded"),
    "reject": gettext_lazy("rejected"),
    "remove": gettext_lazy("removed"),
    "reopen": gettext_lazy("reopened"),
    "set": gettext_lazy("set"),
    "start": gettext_lazy("started"),
    "submit": gettext_lazy("submitted"),
    "take": gettext_lazy("taken"),
    "update": gettext_lazy("changed"),
    "verify": gettext_lazy("verified"),
    "version_upload": gettext_lazy("new version uploaded"),
}


@dataclass
class Change:
    """One field of an entry: its label, and the old and new value as words."""

    label: str
    old: str | None  # None: the row was created (nothing before)
    new: str | None  # None: the row was removed


@dataclass
class Row:
    """One audit entry ready to show."""

    entry: AuditEntry
    object_label: str
    action_words: str
    agency_name: str
    changes: list[Change] = field(default_factory=list)
    created: bool = False
    raw: str = ""


def model_of(object_type: str) -> type[models.Model] | None:
    """The model an entry's object type (``app_label.model``) names, if any."""
    app_label, _dot, name = object_type.partition(".")
    if not name:
        return None
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def object_type_choices() -> list[tuple[str, str]]:
    """Object types for the filter: every model of the platform, by its name."""
    out = [
        (m._meta.label_lower, str(m._meta.verbose_name).capitalize())
        for m in apps.get_models()
        if m.__module__.startswith("sinergi.")
    ]
    return sorted(out, key=lambda c: c[1].lower())


def action_words(action: str) -> str:
    """An action code in words, e.g. ``request.answer`` → "answered"."""
    verb = action.rsplit(".", 1)[-1]
    words = VERBS.get(verb)
    return str(words) if words is not None else verb.replace("_", " ")


def _field(model: type[models.Model] | None, key: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(key)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist: a key of a custom payload
        return None


def _label(model: type[models.Model] | None, key: str) -> str:
    f = _field(model, key)
    name = getattr(f, "verbose_name", None) if f is not None else None
    return str(name or key.replace("_", " ")).capitalize()


class _Names:
    """Names of related rows, fetched once per page and model."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        self.found: dict[tuple[type[models.Model], str], str] = {}

    def want(self, related: type[models.Model], value: Any) -> None:
        for v in value if isinstance(value, list) else [value]:
            if v is not None and v != "":
                self.wanted[related].add(v)

    def fetch(self) -> None:
        for related, pks in self.wanted.items():
            try:
                rows = related._default_manager.in_bulk(list(pks)[:500])
            except (ValueError, TypeError):
                continue
            for pk, obj in rows.items():
                self.found[(related, str(pk))] = str(obj)

    def name(self, related: type[models.Model], value: Any) -> str:
        return self.found.get((related, str(value)), f"#{value}")


def _when(value: str, with_time: bool) -> str:
    try:
        if with_time:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return formats.date_format(moment, "j M Y H:i")
        return formats.date_format(dt.date.fromisoformat(value), "j M Y")
    except (ValueError, TypeError):
        return value


def _words(f: Any, value: Any, names: _Names) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if f is not None:
        if getattr(f, "choices", None):
            labels = {str(k): v for k, v in f.flatchoices}
            return str(labels.get(str(value), value))
        if f.is_relation and f.related_model is not None:
            if isinstance(value, list):
                return ", ".join(names.name(f.related_model, v) for v in value)
            return names.name(f.related_model, value)
        if isinstance(f, models.DateTimeField) and isinstance(value, str):
            return _when(value, with_time=True)
        if isinstance(f, models.DateField) and isinstance(value, str):
            return _when(value, with_time=False)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if isinstance(value, int | float):
        text = formats.number_format(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _changed_keys(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    if before is None:
        return [
            k
            for k, v in (after or {}).items()
            if k not in QUIET_ON_CREATE and v not in (None, "", [], {})
        ]
    after = after or {}
    return [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]


def audit_rows(entries: list[AuditEntry]) -> list[Row]:
    """The entries of one page in words, with the related rows' names fetched in one query
    per model."""
    names = _Names()
    agency_model = model_of("agencies.agency")
    plan = []
    for e in entries:
        model = model_of(e.object_type)
        keys = _changed_keys(
            e.before if isinstance(e.before, dict) else None,
            e.after if isinstance(e.after, dict) else None,
        )
        for k in keys:
            f = _field(model, k)
            if f is not None and f.is_relation and f.related_model is not None:
                for side in (e.before, e.after):
                    if isinstance(side, dict) and k in side:
                        names.want(f.related_model, side[k])
        plan.append((e, model, keys))
    slugs = {e.actor_agency for e in entries if e.actor_agency}
    agency_names: dict[str, str] = {}
    if agency_model is not None and slugs:
        agency_names = dict(
            agency_model._default_manager.filter(slug__in=slugs).values_list("slug", "name")
        )
    names.fetch()
    rows = []
    for e, model, keys in plan:
        before = e.before if isinstance(e.before, dict) else None
        after = e.after if isinstance(e.after, dict) else None
        changes = []
        for k in keys:
            f = _field(model, k)
            old = _words(f, before.get(k), names) if before is not None else None
            new = _words(f, after.get(k), names) if after is not None else None
            changes.append(Change(label=_label(model, k), old=old, new=new))
        object_label = (
            str(model._meta.verbose_name).capitalize()
            if model is not None
            else e.object_type or _("System")
        )
        rows.append(
            Row(
                entry=e,
                object_label=object_label,
                action_words=action_words(e.action),
                agency_name=agency_names.get(e.actor_agency, e.actor_agency),
                changes=changes,
                created=before is None and after is not None,
                raw=json.dumps(
                    {"before": e.before, "after": e.after},
                    ensure_ascii=False,
                    indent=2,
                    sort_keys=True,
                ),
            )
        )
    return rows


@dataclass
class KeysetPage:
    """A page of the log by sequence number: newer and older neighbours, no total count."""

    entries: list[AuditEntry]
    newer: int | None  # ``after`` for the link to newer entries
    older: int | None  # ``before`` for the link to older entries


def keyset_page(
    qs: Any, *, before: int | None = None, after: int | None = None, per_page: int = 50
) -> KeysetPage:
    """Newest first, ``per_page`` entries older than ``before`` or newer than ``after``: one
    indexed range read of ``per_page + 1`` rows whatever the size of the log."""
    if after is not None:
        got = list(qs.filter(seq__gt=after).order_by("seq")[: per_page + 1])
        more_newer = len(got) > per_page
        entries = list(reversed(got[:per_page]))
        return KeysetPage(
            entries=entries,
            newer=entries[0].seq if (entries and more_newer) else None,
            older=entries[-1].seq if entries else None,
        )
    if before is not None:
        qs = qs.filter(seq__lt=before)
    got = list(qs.order_by("-seq")[: per_page + 1])
    entries = got[:per_page]
    return KeysetPage(
        entries=entries,
        newer=entries[0].seq if (entries and before is not None) else None,
        older=entries[-1].seq if len(got) > per_page else None,
    )
