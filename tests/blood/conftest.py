"""Fixtures of the blood tests: the demo's units, officers and products."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def fresh_ticker() -> Any:
    """Each test starts without the ticker answers of the previous one (rolled back)."""
    from sinergi.blood.ticker import forget

    forget()
    yield
    forget()


@pytest.fixture
def sanggau(db: Any) -> Any:
    from sinergi.agencies.models import Agency

    return Agency.objects.get(slug="udd-pmi-sanggau")


@pytest.fixture
def prc(db: Any) -> Any:
    from sinergi.blood.models import Product

    return Product.objects.get(code="PRC")


@pytest.fixture
def pmi(db: Any) -> Any:
    from sinergi.accounts.models import User

    return User.objects.get(username="pmi")


@pytest.fixture
def rsud(db: Any) -> Any:
    from sinergi.accounts.models import User

    return User.objects.get(username="rsud")


def balance(unit: Any, code: str, abo: str, rh: str) -> int:
    """Current balance of one cell."""
    from sinergi.blood.models import Stock

    row = Stock.objects.filter(unit=unit, product__code=code, abo=abo, rh=rh).first()
    return row.quantity if row else 0
