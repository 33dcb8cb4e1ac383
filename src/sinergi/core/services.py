"""Helpers shared by the services of every app."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models

from .exceptions import validation_failed_from


def validate_model(obj: models.Model, *, exclude: Iterable[str] | None = None) -> None:
    """Run the model's own validation and raise ValidationFailed naming each bad field."""
    try:
        obj.full_clean(exclude=list(exclude) if exclude else None)
    except ValidationError as exc:
        raise validation_failed_from(exc) from exc
