"""Errors that services raise; views and the API turn them into answers with a stable code."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class SinergiError(Exception):
    """Base of every error a user may see: a stable code, a message and per-field details."""

    status = 400
    code = "error"
    default_message = _("The request could not be processed.")

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: dict[str, list[str]] | None = None,
        code: str | None = None,
    ) -> None:
        self.message = str(message) if message is not None else str(self.default_message)
        self.fields = fields or {}
        if code:
            self.code = code
        super().__init__(self.message)

    def as_dict(self) -> dict[str, object]:
        """The JSON error shape of the API."""
        return {"code": self.code, "message": self.message, "fields": self.fields}


class ValidationFailed(SinergiError):
    """Input broke a rule; ``fields`` names each field and what is wrong with it."""

    status = 422
    code = "validation_error"
    default_message = _("Some fields are not valid.")


class NotFound(SinergiError):
    """The object does not exist or the user may not see it (the two are not told apart)."""

    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Forbidden(SinergiError):
    """The user may see the object but may not do this to it."""

    status = 403
    code = "forbidden"
    default_message = _("You are not allowed to do this.")


class Conflict(SinergiError):
    """The change conflicts with the current state (duplicate, wrong state)."""

    status = 409
    code = "conflict"
    default_message = _("This conflicts with the current state.")


class InvalidTransition(Conflict):
    """A state change that the object's lifecycle does not allow."""

    code = "invalid_transition"

    def __init__(self, current: str, target: str) -> None:
        super().__init__(
            _("Cannot change status from %(current)s to %(target)s.")
            % {"current": current, "target": target}
        )


class Unauthenticated(SinergiError):
    """No valid session or token."""

    status = 401
    code = "unauthenticated"
    default_message = _("Authentication is required.")


def validation_failed_from(exc: object) -> ValidationFailed:
    """Turn a Django ValidationError into ValidationFailed with messages per field."""
    from django.core.exceptions import ValidationError

    if not isinstance(exc, ValidationError):
        return ValidationFailed(str(exc))
    if hasattr(exc, "error_dict"):
        fields = {
            ("__all__" if k == "__all__" else k): [str(m) for e in v for m in e.messages]
            for k, v in exc.error_dict.items()
        }
    else:
        fields = {"__all__": [str(m) for m in exc.messages]}
    return ValidationFailed(fields=fields)
