"""``sinergi bench seed``: generated rows the pages accept, one audit entry, a refusal on a
database that holds data (the tiny scale, on top of the session's demo, with --force)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from sinergi.accounts.models import User
from sinergi.benchseed import GANTT_CODE, SCALES, NotEmpty, bench_seed
from sinergi.blood.models import Movement, Stock
from sinergi.coordination.models import Request, RequestEvent
from sinergi.core.models import AuditEntry
from sinergi.programs.models import Dependency, Program, WorkItem

NOW = dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC)


def test_refuses_a_database_that_holds_data(db: Any) -> None:
    with pytest.raises(NotEmpty):
        bench_seed(scale="tiny", now=NOW, log=lambda _line: None)
    assert not User.objects.filter(username="bench-bupati").exists()


def test_tiny_scale_writes_valid_rows_that_the_pages_render(db: Any) -> None:
    before = Request.objects.count()
    counts = bench_seed(scale="tiny", now=NOW, force=True, log=lambda _line: None)
    tiny = SCALES["tiny"]
    assert Request.objects.count() - before == tiny.requests
    gantt = Program.objects.get(code=GANTT_CODE)
    assert WorkItem.objects.filter(program=gantt).count() == tiny.gantt_items
    assert Dependency.objects.filter(program=gantt).exists()
    assert counts["coordination_requestevent"] >= tiny.requests
    # Every stock cell equals the last balance its ledger recorded, never below zero.
    for cell in Stock.objects.filter(unit__slug="udd-pmi-6103"):
        last = Movement.objects.filter(
            unit=cell.unit, product=cell.product, abo=cell.abo, rh=cell.rh
        ).first()
        assert cell.quantity == (last.balance_after if last else 0)
        assert cell.quantity >= 0
    entry = AuditEntry.objects.get(action="bench.seed")
    assert entry.after["rows"]["programs_workitem"] == tiny.work_items
    # New rows get fresh ids after the bulk load (sequences moved past the explicit ids).
    assert RequestEvent.objects.order_by("-pk").first().pk > before

    kadinkes = Client()
    kadinkes.force_login(User.objects.get(username="bench-kadinkes"))
    request_pk = Request.objects.filter(to_agency__slug="dinkes-6103").values_list("pk", flat=True)[
        0
    ]
    for path in (
        "/",
        "/permintaan/",
        "/permintaan/daftar/",
        f"/permintaan/{request_pk}/",
        f"/program/{GANTT_CODE}/",
        f"/program/{GANTT_CODE}/gantt/",
        "/instansi/dinkes-6103/",
        "/data/",
    ):
        assert kadinkes.get(path).status_code == 200, path
    pmi = Client()
    pmi.force_login(User.objects.get(username="bench-pmi"))
    assert pmi.get("/darah/udd/udd-pmi-6103/").status_code == 200
    bupati = Client()
    bupati.force_login(User.objects.get(username="bench-bupati"))
    assert bupati.get("/dasbor/").status_code == 200
    assert Client().get("/publik/darah/").status_code == 200
