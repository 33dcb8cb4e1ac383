"""``sinergi schedule IN.json``: output, stdin, and every way a document is refused."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sinergi.schedule.cli import main

from .program import PLAN, START, U1_TASKS, document


def _write(tmp_path: Path, doc: object, name: str = "in.json") -> str:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return str(path)


def test_prints_the_schedule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([_write(tmp_path, document(PLAN, START))]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["finish_offset"], out["finish_date"]) == (55, "2026-04-29")
    assert out["critical_path"] == ["penlok", "tanah", "konstruksi", "serah"]
    assert out["tasks"]["desain"] == {
        "es": 5,
        "ef": 20,
        "ls": 10,
        "lf": 25,
        "total_float": 5,
        "free_float": 0,
        "critical": False,
        "start": "2026-02-09",
        "finish": "2026-03-03",
        "agency": "Dinas PUPR",
        "status": "not_started",
    }


def test_reads_stdin_and_lists_near_critical(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date

    doc = document(U1_TASKS, date(2026, 3, 2))
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(doc)))
    assert main(["-", "--near-critical", "13", "--indent", "0"]) == 0
    text = capsys.readouterr().out
    assert text.count("\n") == 1
    out = json.loads(text)
    assert out["finish_date"] == "2026-05-12"
    assert out["near_critical"] == ["tanah", "desain", "amdal", "konstruksi", "serah"]
    assert out["tasks"]["tanah"]["status"] == "in_progress"


def test_updates_document_runs_the_windows_analysis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from .program import UPDATES

    updates = []
    for u in UPDATES:
        d = document(list(u.tasks), u.data_date)
        d.pop("calendar")
        d["label"] = u.label
        if u.revised_by:
            d["revised_by"] = u.revised_by
        updates.append(d)
    doc = {"calendar": {"national_holidays": "ID"}, "updates": updates}
    assert main([_write(tmp_path, doc)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["movement"] == 17
    assert out["by_agency"] == {"Kantor Pertanahan": 8, "Dinas PUPR": 5}
    assert out["by_handoff"] == {"Kantor Pertanahan -> Dinas PUPR": 4}
    assert [w["movement"] for w in out["windows"]] == [8, 4, 5]


def _doc(**changes: object) -> dict[str, object]:
    doc = document(PLAN, START)
    doc.update(changes)
    return doc


CYCLE = _doc(links=[{"from": "tanah", "to": "konstruksi"}, {"from": "konstruksi", "to": "tanah"}])


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ("{not json", "[invalid_json]"),
        ([1, 2], "must be a JSON object"),
        (_doc(data_date="2026-13-01"), "data_date: '2026-13-01' is not a date"),
        ({"tasks": []}, "data_date is required"),
        (_doc(tasks="x"), "tasks must be a list"),
        (_doc(tasks=[{"id": "a", "duration": -2}]), "[negative_duration]"),
        (_doc(tasks=[{"id": "a"}]), "duration is required"),
        (_doc(tasks=[{"id": "a", "duration": 1.5}]), "duration must be a whole number"),
        (
            _doc(tasks=[{"id": "a", "duration": 1, "dedline": "2026-01-01"}]),
            "unknown field(s) dedline",
        ),
        (
            _doc(tasks=[{"id": "a", "duration": 1}, {"id": "a", "duration": 2}]),
            "duplicate task ids: a",
        ),
        (_doc(links=[{"from": "penlok", "to": "nowhere"}]), "unknown tasks: nowhere"),
        (_doc(links=[{"from": "penlok", "to": "tanah", "type": "XS"}]), "[invalid_link_type]"),
        (_doc(links=[{"from": "penlok", "to": "tanah", "lag": "2"}]), "lag must be a whole number"),
        (CYCLE, "cycle: tanah -> konstruksi -> tanah"),
        (_doc(calendar={"weekdays": [9]}), "[invalid_calendar]"),
        (_doc(calendar={"national_holidays": "ZZ"}), "unknown national holiday calendar"),
        (
            _doc(tasks=[{"id": "a", "duration": 2, "actual_start": "2026-03-01"}], links=[]),
            "after the data date",
        ),
        ({"updates": []}, "updates must be a non-empty list"),
    ],
)
def test_bad_documents_exit_2_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], doc: object, needle: str
) -> None:
    assert main([_write(tmp_path, doc)]) == 2
    cap = capsys.readouterr()
    assert cap.out == ""
    assert cap.err.startswith("sinergi schedule: error [")
    assert needle in cap.err
    assert "Traceback" not in cap.err


def test_missing_file_and_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main([]) == 2
    assert "[usage]" in capsys.readouterr().err
    assert main(["x.json", "--near-critical", "soon"]) == 2
    assert main(["--help"]) == 0
    assert "usage:" in capsys.readouterr().out


def test_python_dash_m(tmp_path: Path) -> None:
    good = _write(tmp_path, document(PLAN, START))
    run = subprocess.run(  # noqa: S603 - our own module on a file the test wrote
        [sys.executable, "-m", "sinergi.schedule", good],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0
    assert json.loads(run.stdout)["finish_date"] == "2026-04-29"
    bad = _write(tmp_path, CYCLE, "bad.json")
    run = subprocess.run(  # noqa: S603 - our own module on a file the test wrote
        [sys.executable, "-m", "sinergi.schedule", bad], capture_output=True, text=True, check=False
    )
    assert run.returncode == 2
    assert run.stdout == ""
    assert "cycle" in run.stderr and "Traceback" not in run.stderr
