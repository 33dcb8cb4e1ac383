"""``sinergi import schedule``: progress on stderr, all or nothing, clear errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.programs.test_exchange import SPAM, _copy_of_spam


@pytest.mark.django_db
def test_import_schedule_command(tmp_path: Path, now: dt.datetime, capsys: Any) -> None:
    from sinergi.cli import main
    from sinergi.programs.models import Program, WorkItem
    from sinergi.programs.xer import export_xer

    target = _copy_of_spam(now, "SPAM-CLI")
    xer = tmp_path / "spam.xer"
    xer.write_bytes(export_xer(Program.objects.get(code=SPAM), now=now))
    assert main(["import", "schedule", str(xer), "--program", target.code]) == 0
    out = capsys.readouterr()
    assert "read 28 tasks" in out.err and "wrote 28 tasks" in out.err
    assert "imported 28 work items" in out.out
    assert WorkItem.objects.filter(program=target).count() == 28
    # The same file again clashes on every WBS code: nothing is added, every task named.
    assert main(["import", "schedule", str(xer), "--program", target.code]) == 1
    assert "6.5" in capsys.readouterr().err
    assert WorkItem.objects.filter(program=target).count() == 28
    assert main(["import", "schedule", str(xer), "--program", "NOPE-1"]) == 2
    assert "NOPE-1" in capsys.readouterr().err
    odd = tmp_path / "plan.txt"
    odd.write_text("x")
    assert main(["import", "schedule", str(odd), "--program", target.code]) == 2
