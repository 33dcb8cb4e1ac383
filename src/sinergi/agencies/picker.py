"""Choosing an agency on a form without listing every agency.

A regency has a few dozen agencies, a national deployment 20,000: a ``<select>`` of all of
them made the request form 69 KB at 1,000 agencies. ``AgencyPicker`` renders a plain
``<select>`` while there are at most ``LIST_MAX`` active agencies, and otherwise a search
box (labelled by the field's label) whose typed words fetch matching agencies as radio
buttons from ``agencies:pick`` with htmx. The chosen agency travels as its slug, like
the ``<select>`` did. See docs/decisions/agency-picker.md.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Agency

LIST_MAX = 80  # up to this many active agencies (a regency has 40–80): a plain <select>
RESULTS_MAX = 20  # agencies answered per search
FIELD_RE = re.compile(r"^[a-z_]{1,40}$")


def _active() -> Any:
    return Agency.objects.filter(is_active=True).order_by("name")


class AgencyPicker(forms.Widget):
    """A ``<select>`` of the active agencies when they are few, a search box otherwise."""

    template_name = "agencies/picker.html"
    choices: Any = ()  # ModelChoiceField assigns its choices here; never iterated

    def __init__(self, attrs: dict[str, Any] | None = None, *, blank: bool = True) -> None:
        super().__init__(attrs)
        self.blank = blank

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        value = "" if value is None else str(value)
        rows = list(_active().values_list("slug", "name")[: LIST_MAX + 1])
        if len(rows) <= LIST_MAX:
            context["options"] = rows
            context["searching"] = False
        else:
            context["searching"] = True
            context["search_url"] = f"{reverse('agencies:pick')}?field={name}"
            context["selected"] = list(_active().filter(slug=value)) if value else []
        context["value"] = value
        context["blank"] = self.blank
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


class AgencyField(forms.CharField):
    """An active agency chosen by slug; cleans to the slug."""

    widget = AgencyPicker
    default_error_messages = {"unknown": _("Unknown agency.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if value and not _active().filter(slug=value).exists():
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        return value


def search(*, user: Any, q: str) -> tuple[list[Agency], bool]:
    """Active agencies the user sees whose name, short name or slug contains ``q``, and
    whether more match than are answered."""
    from .selectors import agencies_search

    found = list(agencies_search(user=user, q=q.strip()).order_by("name")[: RESULTS_MAX + 1])
    return found[:RESULTS_MAX], len(found) > RESULTS_MAX
