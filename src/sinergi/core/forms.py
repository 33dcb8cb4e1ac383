"""Helpers for forms that hand their cleaned data to a service."""

from __future__ import annotations

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
