"""The audit log page a Sekda can read (issue 18): names and choice labels in Indonesian,
only what changed as old → new, empty as "—", raw JSON on demand, filters, and pages that
never count the whole log."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

pytestmark = pytest.mark.django_db


def _program_change(now: dt.datetime) -> Any:
    from sinergi.accounts.models import User
    from sinergi.programs import services
    from sinergi.programs.models import Program

    program = Program.objects.get(code="SPAM-SANGGAU-2026")
    services.program_update(
        actor=User.objects.get(username="pupr"),
        program=program,
        status="on_hold",
        budget=program.budget + 1000,
        now=now + dt.timedelta(minutes=1),
    )
    return program


def test_a_change_reads_as_labels_and_old_to_new_values(client_as: Any, now: Any) -> None:
    from sinergi.core.audit import audit_record
    from sinergi.programs.choices import ProgramStatus

    program = _program_change(now)
    audit_record(
        actor=None,
        action="request.acknowledge",
        object_type="coordination.request",
        object_id="1",
        before={"acknowledged_at": None, "status": "submitted"},
        after={"acknowledged_at": "2026-11-02T02:30:00.000000Z", "status": "acknowledged"},
        now=now + dt.timedelta(minutes=2),
    )
    page = client_as("admin").get("/audit/").content.decode()
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr ")
    ack, change = rows[1], rows[2]
    # The request: field names in Indonesian, None as "—", the time in Sanggau's zone.
    assert "Permintaan" in ack and "acknowledged_at" not in ack.split("<details")[0]
    assert re.search(r"<del>—</del>.*<ins>2 Nov 2026 09:30</ins>", ack)
    assert "Diajukan" in ack and "None" not in ack.split("<details")[0]
    # The programme: only the changed fields, choice labels translated, raw JSON on demand.
    with translation.override("id"):
        active, on_hold = str(ProgramStatus.ACTIVE.label), str(ProgramStatus.ON_HOLD.label)
    assert f"<del>{active}</del>" in change and f"<ins>{on_hold}</ins>" in change
    shown = change.split("<details")[0]
    assert "Anggaran" in shown and program.title in shown
    assert "Judul" not in shown  # the title did not change
    assert '<details class="audit-raw">' in change and "&quot;on_hold&quot;" in change
    assert "<code" in change and "program.update" in change


def test_filters_and_pages_without_counting_the_log(client_as: Any, now: Any) -> None:
    from sinergi.core.models import AuditEntry

    _program_change(now)
    admin = client_as("admin")
    page = admin.get("/audit/?object_type=programs.program&action=program.").content.decode()
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr ") >= 1 and "program.update" in body and "request." not in body
    nobody = admin.get("/audit/?actor=nobody").content.decode()
    assert "<tr " not in nobody and '<td colspan="4">' in nobody
    with CaptureQueriesContext(connection) as queries:
        first = admin.get("/audit/").content.decode()
    audit_sql = [
        q["sql"].upper() for q in queries.captured_queries if "core_auditentry" in q["sql"]
    ]
    assert audit_sql and not [q for q in audit_sql if "COUNT(" in q]
    newest = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True)
    seqs = list(newest[:51])
    assert f'href="?before={seqs[49]}" rel="next"' in first
    second = admin.get(f"/audit/?before={seqs[49]}").content.decode()
    assert f'id="e{seqs[50]}"' in second and f'id="e{seqs[49]}"' not in second
    assert f'href="?after={seqs[50]}" rel="prev"' in second
    back = admin.get(f"/audit/?after={seqs[50]}").content.decode()
    assert f'id="e{seqs[49]}"' in back and f'id="e{seqs[0]}"' in back
    assert f'id="e{seqs[50]}"' not in back
