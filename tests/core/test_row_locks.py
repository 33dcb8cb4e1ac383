"""Row locks lock only the row they mean. On PostgreSQL ``select_for_update()`` with
``select_related`` locks every joined row too: a blood request's lock then held its unit's
agency row, which every stock movement's foreign key must share, and a concurrent issue and
allocation deadlocked (docs/decisions/row-locks-name-their-table.md). The check reads the
source, so it holds on SQLite too, and runs the allocation on PostgreSQL to read its SQL."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

SRC = Path(__file__).resolve().parents[2] / "src" / "sinergi"


def _chain(node: ast.AST) -> list[ast.Call]:
    """The calls of a method chain, outermost first."""
    calls: list[ast.Call] = []
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Call):
            calls.append(node)
            node = node.func
        else:
            node = node.value
    return calls


def _name(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else ""


def test_every_lock_with_joins_names_its_own_table() -> None:
    wrong: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            calls = _chain(node)
            if calls and calls[0] is not node:
                continue
            names = [_name(c) for c in calls]
            if "select_for_update" not in names or "select_related" not in names:
                continue
            lock = calls[names.index("select_for_update")]
            if not any(k.arg == "of" for k in lock.keywords):
                wrong.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert wrong == [], "select_for_update with select_related but without of=: " + ", ".join(wrong)


@pytest.mark.django_db
def test_allocation_locks_no_agency_row(demo: Any) -> None:
    if not connection.features.has_select_for_update_of:
        pytest.skip("the database takes no row locks (SQLite locks the whole file)")
    from sinergi.accounts.models import User
    from sinergi.agencies.models import Agency
    from sinergi.blood import services
    from sinergi.blood.models import Product
    from sinergi.core.permissions import SYSTEM

    now = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
    unit = Agency.objects.get(slug="udd-pmi-sanggau")
    services.stock_set_levels(
        actor=SYSTEM, unit=unit, levels={("PRC", "O", "pos"): 3}, reason="test", now=now
    )
    req = services.request_create(
        actor=SYSTEM,
        hospital=Agency.objects.get(slug="rsud-sanggau"),
        unit=unit,
        product=Product.objects.get(code="PRC"),
        abo="O",
        rh="pos",
        quantity=1,
        urgency="cito",
        needed_by=now + dt.timedelta(hours=1),
        case_number="RM-LOCK-1",
        now=now,
    )
    with CaptureQueriesContext(connection) as ctx:
        services.request_allocate(
            actor=User.objects.get(username="pmi"), request=req, lines=[("O", "pos", 1)], now=now
        )
    locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    assert locks, "the allocation took no row lock"
    for sql in locks:
        assert "JOIN" not in sql or "FOR UPDATE OF" in sql, sql
