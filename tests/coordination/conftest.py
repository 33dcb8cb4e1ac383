"""Fixtures of the coordination tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _attachment_dir(settings: Any, tmp_path: Path) -> Path:
    """Attachment files of each test go to its own temporary folder."""
    folder = tmp_path / "attachments"
    settings.COORDINATION_ATTACHMENT_DIR = str(folder)
    return folder


@pytest.fixture(autouse=True)
def _fresh_calendars() -> Any:
    """Local holidays are cached per process; a test's rolled-back holidays must not leak
    into the next test."""
    from sinergi.coordination.calendars import forget_calendars

    forget_calendars()
    yield
    forget_calendars()
