"""The one exception the scheduling engine raises for input it refuses."""

from __future__ import annotations

from collections.abc import Iterable


class ScheduleError(ValueError):
    """A network, calendar or document the engine refuses, with a stable code and the ids."""

    def __init__(self, code: str, message: str, ids: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ids: tuple[str, ...] = tuple(ids)

    def as_dict(self) -> dict[str, object]:
        """Return the error as the JSON object the CLI and the API show."""
        return {"code": self.code, "message": self.message, "ids": list(self.ids)}
