"""Fixtures of the cases tests: the throttle starts empty, files go to the test folder."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    """Each test starts with no attempts counted against its address."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def pbg(db: Any) -> Any:
    """The demo building-approval service."""
    from sinergi.cases.models import Service

    return Service.objects.select_related("current", "front_agency").get(slug="pbg")
