"""Helpers for forms that hand their cleaned data to a service, and the date and time
widgets every form uses."""

from __future__ import annotations

from typing import Any

from django import forms

from .exceptions import SinergiError


def apply_errors(form: forms.Form, exc: SinergiError) -> None:
    """Show a service's refusal on the form: each message under its field when the form has
    that field, otherwise at the top of the form."""
    for field, messages in getattr(exc, "fields", {}).items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
    if not getattr(exc, "fields", None):
        form.add_error(None, exc.message)


# The browser's date and time pickers send and expect ISO values whatever the page's
# language; with Django's Indonesian formats a prefilled value would otherwise be written
# as "10-12-2026" or "09.00.00", which the pickers show as empty.


class DateInput(forms.DateInput):
    """``<input type="date">`` with an ISO value (2026-12-10)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    """``<input type="time">`` with an ISO value (09:00)."""

    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


class DateTimeLocalInput(forms.DateTimeInput):
    """``<input type="datetime-local">`` with an ISO value (2026-12-10T09:00)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")
