"""Forms of the leader dashboard: the window (``from``/``to``), the agency filter of the
pair view and the week of the rakor report. They only draw the inputs and hold the values;
``selectors.window_from_params`` and :func:`parse_week` decide what is valid, so the pages
and the API refuse the same input with the same words."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sinergi.core.exceptions import ValidationFailed
from sinergi.core.forms import DateInput

WEEK_RE = re.compile(r"^(\d{4})-W(\d{1,2})$")


class WindowForm(forms.Form):
    """The period the figures cover: ``from`` and ``to`` (dates, both included)."""

    def __init__(self, *args: Any, agencies: list[tuple[str, str]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        # "from" is a Python keyword, so the fields are added by name.
        self.fields["from"] = forms.CharField(
            label=_("From"), required=False, max_length=20, widget=DateInput()
        )
        self.fields["to"] = forms.CharField(
            label=_("To"), required=False, max_length=20, widget=DateInput()
        )
        if agencies is not None:
            self.fields["agency"] = forms.ChoiceField(
                label=_("Agency"), required=False, choices=[("", _("All agencies")), *agencies]
            )


class WeekForm(forms.Form):
    """The ISO week of the rakor report (``2026-W45``)."""

    week = forms.CharField(
        label=_("Week"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"type": "week", "pattern": r"\d{4}-W\d{2}"}),
    )


def parse_week(value: str | None, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the ISO week ``YYYY-Www`` (default: the week of ``today``).
    Raises ``ValidationFailed`` on the ``week`` field for anything else."""
    if not value:
        monday = today - dt.timedelta(days=today.weekday())
        return monday, monday + dt.timedelta(days=6)
    match = WEEK_RE.match(value.strip())
    if match is None:
        raise ValidationFailed(
            fields={"week": [str(_("Write the week as YYYY-Www, for example 2026-W45."))]}
        )
    try:
        monday = dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValidationFailed(
            fields={"week": [str(_("This week does not exist in that year."))]}
        ) from None
    return monday, monday + dt.timedelta(days=6)


def week_label(monday: dt.date) -> str:
    """``2026-W45`` for the week starting on ``monday``."""
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"
