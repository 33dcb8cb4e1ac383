"""``sinergi schedule``'s columnar route: the same bytes as the object route and as
``json.dump``, buffered or not, and every document it does not take still explained."""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from sinergi.schedule import Network, cli
from sinergi.schedule.cli import _parser, encode_schedule, main, render
from sinergi.schedule.document import GiveUp, parse_columns, parse_document

DATA_DATE = date(2026, 3, 2)
AGENCIES = ["Setda", "Dinas PUPR", "Kantor Pertanahan", "Dinas Pariwisata & Budaya — Ē"]


def _doc(n: int = 400, seed: int = 5) -> dict[str, object]:
    """A layered random program with every kind of task, link and progress."""
    rng = random.Random(seed)
    layer = [rng.randrange(12) for _ in range(n)]
    tasks: list[dict[str, object]] = []
    for i in range(n):
        t: dict[str, object] = {"id": f"t-{i}", "duration": rng.choice([0, 0, 1, 3, 8, 20])}
        if rng.random() < 0.8:
            t["agency"] = rng.choice(AGENCIES)
        if rng.random() < 0.05:
            t["name"] = f"Pekerjaan {i}"
        r = rng.random()
        if layer[i] < 2 and r < 0.5:  # finished, with or without a start
            t["actual_finish"] = (DATA_DATE - timedelta(days=rng.randrange(1, 9))).isoformat()
            if r < 0.3:
                t["actual_start"] = (DATA_DATE - timedelta(days=30)).isoformat()
        elif layer[i] < 4 and r < 0.6:  # in progress: remaining, percentage or neither
            t["actual_start"] = (DATA_DATE - timedelta(days=rng.randrange(0, 20))).isoformat()
            if r < 0.2:
                t["remaining_duration"] = rng.randrange(0, 5)
            elif r < 0.4:
                t["percent_complete"] = rng.choice([0, 12.5, 40, 99, 100])
        elif r < 0.1:
            t["earliest_start"] = (DATA_DATE + timedelta(days=rng.randrange(-5, 60))).isoformat()
        elif r < 0.15:
            t["deadline"] = (DATA_DATE + timedelta(days=rng.randrange(10, 90))).isoformat()
        elif r < 0.2:
            t["remaining_duration"] = rng.randrange(0, 4)
        tasks.append(t)
    links: list[dict[str, object]] = []
    for _ in range(3 * n):
        a, b = rng.randrange(n), rng.randrange(n)
        if layer[a] == layer[b]:
            continue
        if layer[a] > layer[b]:
            a, b = b, a
        link: dict[str, object] = {"from": f"t-{a}", "to": f"t-{b}"}
        if rng.random() < 0.7:
            link["type"] = rng.choice(["FS", "SS", "FF", "SF"])
        if rng.random() < 0.6:
            link["lag"] = rng.randrange(-2, 6)
        links.append(link)
    return {
        "data_date": DATA_DATE.isoformat(),
        "calendar": {"national_holidays": "ID", "holidays": ["2026-04-06"]},
        "tasks": tasks,
        "links": links,
        "near_critical": 3,
        "label": "uji",
    }


def _args(path: str, *extra: str) -> argparse.Namespace:
    return _parser().parse_args([path, *extra])


def _reference(doc: dict[str, object], indent: int | None = 2) -> bytes:
    """What the command printed before the columnar route: objects and json.dump."""
    parsed = parse_document(doc)
    sched = Network(parsed.tasks, parsed.links).schedule(parsed.calendar, parsed.data_date)
    out = sched.as_dict(near_critical=parsed.near_critical)
    return (json.dumps(out, indent=indent or None, ensure_ascii=False) + "\n").encode()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_columnar_route_prints_the_same_bytes(tmp_path: Path, seed: int) -> None:
    doc = _doc(seed=seed)
    path = tmp_path / "in.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    parsed, network = parse_columns(path.read_bytes())  # the columnar route takes it
    assert network.ids[:2] == ["t-0", "t-1"]
    assert b"".join(render(_args(str(path)))) == _reference(doc)
    for indent in ("0", "4"):
        expected = _reference(doc, int(indent))
        assert b"".join(render(_args(str(path), "--indent", indent))) == expected
    # The objects the library hands out are the ones the object route makes.
    by_objects = Network(parse_document(doc).tasks, parse_document(doc).links)
    assert network.tasks == by_objects.tasks
    assert network.links == by_objects.links
    assert network.index == by_objects.index
    sched = network.schedule(parsed.calendar, parsed.data_date)
    other = by_objects.schedule(parsed.calendar, parsed.data_date)
    assert sched.tasks == other.tasks
    assert encode_schedule(sched, 3, 2) == encode_schedule(other, 3, 2)


@pytest.mark.parametrize("chunk", [1, 7, 400])
def test_tasks_encoded_in_chunks_join_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(cli, "CHUNK", chunk)
    monkeypatch.setattr(cli, "FAST", False)  # the msgspec way, for what the loop does not take
    doc = _doc(n=57, seed=4)
    path = tmp_path / "in.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    pieces = render(_args(str(path), "--indent", "3"))
    assert len(pieces) >= 57 // chunk
    assert b"".join(pieces) == _reference(doc, 3)


@pytest.mark.parametrize(
    "change",
    [
        {"updates": []},
        {"tasks": [{"id": "a", "duration": True}]},
        {"tasks": [{"id": "a", "duration": 2.0}]},
        {"tasks": [{"id": "", "duration": 2}]},
        {"tasks": [{"id": "a", "duration": 2}, {"id": "a", "duration": 1}]},
        {"tasks": [{"id": "a", "duration": 2, "deadline": "2026-02-30"}]},
        {"tasks": [{"id": "a", "duration": 2, "agency": None}]},
        {"tasks": [{"id": "a", "duration": 2, "percent_complete": "40"}]},
        {"tasks": [{"id": "a", "duration": -1}]},
        {"links": [{"from": "t-0", "to": "nope"}]},
        {"links": [{"from": "t-0", "to": "t-1", "lag": None}]},
        {"near_critical": True},
        {"data_date": 20260302},
    ],
)
def test_columnar_route_gives_up_on_what_it_cannot_vouch_for(change: dict[str, object]) -> None:
    doc = {**_doc(n=20), **change}
    with pytest.raises(GiveUp):
        parse_columns(json.dumps(doc).encode())


def test_percent_as_integer_and_dates_in_the_columns() -> None:
    doc = _doc(n=60)
    parsed, network = parse_columns(json.dumps(doc).encode())
    assert network.tasks == tuple(parse_document(doc).tasks)
    assert parsed.near_critical == 3 and parsed.label == "uji"


def test_unbuffered_output_is_the_same_and_written_in_few_calls(tmp_path: Path) -> None:
    doc = _doc(n=300, seed=9)
    path = tmp_path / "in.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    outs = []
    for unbuffered in ("", "1"):
        env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
        if not unbuffered:
            env.pop("PYTHONUNBUFFERED")
        run = subprocess.run(  # noqa: S603 - our own module on a file the test wrote
            [sys.executable, "-m", "sinergi.schedule", str(path)],
            capture_output=True,
            env=env,
            check=True,
        )
        outs.append(run.stdout)
    assert outs[0] == outs[1] == _reference(doc)
    # One write for the whole answer, even unbuffered (where json.dump wrote per chunk).
    if sys.platform.startswith("linux") and os.path.exists("/usr/bin/strace"):
        out = tmp_path / "out.json"
        trace = tmp_path / "trace.txt"
        with out.open("wb") as fh:
            subprocess.run(  # noqa: S603 - strace of our own module
                ["/usr/bin/strace", "-f", "-e", "trace=write", "-o", str(trace),
                 sys.executable, "-m", "sinergi.schedule", str(path)],
                stdout=fh,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                check=True,
            )  # fmt: skip
        writes = [ln for ln in trace.read_text().splitlines() if "write(1," in ln]
        assert len(writes) == 1
        assert out.read_bytes() == outs[0]


def test_main_through_a_text_only_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    doc = _doc(n=30)
    path = tmp_path / "in.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    sink = io.StringIO()
    monkeypatch.setattr(sys, "stdout", sink)
    assert main([str(path)]) == 0
    assert sink.getvalue().encode() == _reference(doc)


def test_first_mistake_named_is_the_object_routes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A bad data date is reported before a bad calendar, whichever route finds them.
    doc = {**_doc(n=10), "data_date": "2026-13-02", "calendar": {"weekdays": [9]}}
    path = tmp_path / "in.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert main([str(path)]) == 2
    assert "[invalid_date]: data_date: '2026-13-02'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "days",
    [
        [],
        [date(2026, 3, 2), date(2026, 3, 2), date(2026, 2, 27)],
        [date(2026, 3, 2), date(1950, 1, 1), date(2199, 12, 31)],  # too wide for a table
    ],
)
def test_dates_formatted_as_isoformat(days: list[date]) -> None:
    import numpy as np

    from sinergi.schedule.network import _iso

    assert _iso(np.array(days, dtype="datetime64[D]")) == [d.isoformat() for d in days]


def _renamed(doc: dict[str, object], name: object) -> dict[str, object]:
    """The document with every task id ``x`` renamed ``name(x)``."""
    ren = {t["id"]: name(t["id"]) for t in doc["tasks"]}  # type: ignore[attr-defined, operator]
    tasks = [{**t, "id": ren[t["id"]]} for t in doc["tasks"]]  # type: ignore[attr-defined]
    links = [{**ln, "from": ren[ln["from"]], "to": ren[ln["to"]]} for ln in doc["links"]]  # type: ignore[attr-defined]
    return {**doc, "tasks": tasks, "links": links}


@pytest.fixture
def fallbacks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the documents whose links msgspec decodes (the compiled reader gave up)."""
    from sinergi.schedule import document

    calls: list[int] = []
    real = document._decoded_links

    def counted(*args: object) -> object:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(document, "_decoded_links", counted)
    return calls


@pytest.mark.parametrize(
    ("text", "read_by_the_loop"),
    [
        (lambda d: json.dumps(d), True),
        (lambda d: json.dumps(d, indent=2), True),
        (lambda d: json.dumps(d, indent="\t", separators=(" ,", " :\r\n")), True),
        (lambda d: json.dumps(d, separators=(",", ":")), True),
        # Keys in another order, and -0: still the plain way.
        (
            lambda d: json.dumps({**d, "links": [dict(reversed(ln.items())) for ln in d["links"]]}),
            True,
        ),
        (lambda d: json.dumps(d).replace('"lag": 1}', '"lag": -0}'), True),
        # An id with an escape, or not ASCII: msgspec reads those.
        (lambda d: json.dumps(d).replace('"from": "t-', '"from": "\\u0074-', 1), False),
        (lambda d: json.dumps(_renamed(d, lambda x: x + "-é"), ensure_ascii=False), False),
    ],
)
def test_links_written_any_way_read_the_same(
    tmp_path: Path, fallbacks: list[int], text: object, read_by_the_loop: bool
) -> None:
    doc = _doc(n=120, seed=6)
    path = tmp_path / "in.json"
    path.write_text(text(doc), encoding="utf-8")  # type: ignore[operator]
    same = json.loads(path.read_text(encoding="utf-8"))
    _, network = parse_columns(path.read_bytes())
    assert network.links == Network(parse_document(same).tasks, parse_document(same).links).links
    assert bool(fallbacks) != read_by_the_loop
    assert b"".join(render(_args(str(path)))) == _reference(same)


@pytest.mark.parametrize(
    "links",
    [
        '[{"from": "t-0", "to": "t-1", "lag": 1.0}]',
        '[{"from": "t-0", "to": "t-1", "lag": 1e2}]',
        '[{"from": "t-0", "to": "t-1", "lag": 01}]',
        '[{"from": "t-0", "to": "t-1", "lag": 99999999999999999999999}]',
        '[{"from": "t-0", "to": "t-1", "type": "XX"}]',
        '[{"from": "t-0", "to": "t-1", "type": null}]',
        '[{"from": "t-0", "to": "t-1", "kind": "FS"}]',
        '[{"from": "t-0"}]',
        '[{"from": "t-0", "to": 1}]',
        '[{"from": "t-0", "to": "t-1"},]',
        '[{"from": "t-0", "to": "t-1"}',
        '[["t-0", "t-1"]]',
        "null",
        "{}",
        '[{"from": "t-0", "to": "t-1", "from": "t-2"}]',
        '[{"from": "t-0", "to": "t-"}]',
        '[{"from": "t-0", "to": "t-10000"}]',
    ],
)
def test_links_the_loop_does_not_take_go_to_msgspec(links: str) -> None:
    # Whatever msgspec and the object route make of them (a mistake, or the last of two
    # "from"), the columnar route does not read them otherwise.
    doc = _doc(n=20)
    text = json.dumps({**doc, "links": []}).replace('"links": []', '"links": ' + links)
    try:
        expected = json.loads(text)
        parsed = parse_document(expected)
        verdict: object = Network(parsed.tasks, parsed.links).links
    except Exception as exc:  # noqa: BLE001 - any verdict of the object route
        verdict = type(exc)
    try:
        got: object = parse_columns(text.encode())[1].links
    except GiveUp:
        got = "gave up"
    if got != "gave up":
        assert got == verdict


@pytest.mark.parametrize(
    "name",
    [
        lambda x: x,
        lambda x: "pekerjaan-jalan-kabupaten-" + x,  # long ids, the same first bytes
        lambda x: x.replace("t-", "tugas ✓ "),
        lambda x: x + "ab"[len(x) % 2] * 9,
    ],
)
def test_ids_found_and_written_whatever_their_length(tmp_path: Path, name: object) -> None:
    doc = _renamed(_doc(n=150, seed=8), name)
    path = tmp_path / "in.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    _, network = parse_columns(path.read_bytes())
    assert network.links == Network(parse_document(doc).tasks, parse_document(doc).links).links
    assert b"".join(render(_args(str(path)))) == _reference(doc)


@pytest.mark.parametrize("long", [False, True])
def test_repeated_and_unknown_ids_give_up(long: bool) -> None:
    prefix = "pekerjaan-jalan-" if long else ""
    doc = _renamed(_doc(n=20), lambda x: prefix + x)
    tasks = doc["tasks"]
    assert isinstance(tasks, list)
    with pytest.raises(GiveUp):
        parse_columns(
            json.dumps({**doc, "tasks": [*tasks, {"id": prefix + "t-3", "duration": 1}]}).encode()
        )
    link = {"from": prefix + "t-1", "to": prefix + "t-1x"}
    with pytest.raises(GiveUp):
        parse_columns(json.dumps({**doc, "links": [link]}).encode())


@pytest.mark.parametrize(
    "agencies",
    [
        ['Dinas "PUPR"', "Setda\\Kota", "Baris\nbaru", "Tab\t", "Ē ✓ 中文", "", "\x7f"],
        ["satu"],
    ],
)
def test_strings_the_loop_writes_are_escaped_as_json_dump_does(
    tmp_path: Path, agencies: list[str]
) -> None:
    doc = _doc(n=80, seed=2)
    tasks = doc["tasks"]
    assert isinstance(tasks, list)
    for i, t in enumerate(tasks):
        t["agency"] = agencies[i % len(agencies)]
    path = tmp_path / "in.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    for indent in ("1", "2", "5"):
        assert b"".join(render(_args(str(path), "--indent", indent))) == _reference(
            doc, int(indent)
        )


@pytest.mark.parametrize("tid", ['t-"1"', "t\\1", "t\n1"])
def test_ids_to_escape_are_written_by_msgspec(tmp_path: Path, tid: str) -> None:
    doc = _renamed(_doc(n=40), lambda x: tid if x == "t-1" else x)
    path = tmp_path / "in.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert b"".join(render(_args(str(path)))) == _reference(doc)


def test_the_loops_run_as_python_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sinergi.schedule import _json_kernels as jk

    for name in ("read_tasks", "read_links", "find_ends", "write_tasks"):
        kernel = getattr(jk, name)
        monkeypatch.setattr(jk, name, getattr(kernel, "py_func", kernel))
    for seed, rename in ((3, lambda x: x), (4, lambda x: "pekerjaan-jalan-kabupaten-" + x)):
        doc = _renamed(_ascii_doc(n=60, seed=seed), rename)
        path = tmp_path / "in.json"
        path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        assert b"".join(render(_args(str(path)))) == _reference(doc)


def _ascii_doc(n: int = 200, seed: int = 7) -> dict[str, object]:
    """A program like ``_doc``'s with agencies in ASCII: the tasks the plain way."""
    doc = _doc(n=n, seed=seed)
    for t in doc["tasks"]:  # type: ignore[attr-defined]
        if "agency" in t:
            t["agency"] = t["agency"].split(" —")[0]
    return doc


@pytest.fixture
def task_fallbacks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the documents whose tasks msgspec decodes (the compiled reader gave up)."""
    from sinergi.schedule import document

    calls: list[int] = []
    real = document._decoded_tasks

    def counted(*args: object) -> object:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(document, "_decoded_tasks", counted)
    return calls


@pytest.mark.parametrize(
    ("change", "read_by_the_loop"),
    [
        (lambda t: t, True),
        (lambda t: {**t, "name": "Pekerjaan"}, True),
        (lambda t: {**t, "deadline": None, "remaining_duration": None}, True),
        (lambda t: {**t, "percent_complete": None}, True),
        (lambda t: dict(reversed(t.items())), True),
        (lambda t: {**t, "name": None}, False),
        (lambda t: {**t, "name": ["x"]}, False),
        (lambda t: {**t, "agency": "Dinas Pariwisata — Ē"}, False),
        (lambda t: {**t, "name": "t\\1"}, False),
    ],
)
def test_tasks_written_any_way_read_the_same(
    tmp_path: Path, task_fallbacks: list[int], change: object, read_by_the_loop: bool
) -> None:
    doc = _ascii_doc()
    tasks = doc["tasks"]
    assert isinstance(tasks, list)
    doc["tasks"] = [change(t) if i % 7 == 3 else t for i, t in enumerate(tasks)]  # type: ignore[operator]
    for text in (json.dumps(doc, ensure_ascii=False), json.dumps(doc, indent=3)):
        task_fallbacks.clear()
        path = tmp_path / "in.json"
        path.write_text(text, encoding="utf-8")
        parsed, network = parse_columns(path.read_bytes())
        assert bool(task_fallbacks) != read_by_the_loop or "\\u" in text
        by_objects = Network(parse_document(doc).tasks, parse_document(doc).links)
        assert network.tasks == by_objects.tasks
        assert network.links == by_objects.links
        assert b"".join(render(_args(str(path)))) == _reference(doc)


@pytest.mark.parametrize(
    "task",
    [
        '{"id": "a", "duration": 2.0}',
        '{"id": "a", "duration": 2e1}',
        '{"id": "a", "duration": -0}',
        '{"id": "a", "duration": 02}',
        '{"id": "a", "duration": 99999999999999999999}',
        '{"id": "a", "duration": null}',
        '{"id": "a"}',
        '{"duration": 1}',
        '{"id": "", "duration": 1}',
        '{"id": 5, "duration": 1}',
        '{"id": "a", "duration": 1, "id": "b"}',
        '{"id": "a", "duration": 1, "colour": "red"}',
        '{"id": "a", "duration": 1, "agency": null}',
        '{"id": "a", "duration": 1, "percent_complete": "40"}',
        '{"id": "a", "duration": 1, "percent_complete": 4e1, "actual_start": "2026-02-02"}',
        '{"id": "a", "duration": 1, "percent_complete": 12.50, "actual_start": "2026-02-02"}',
        '{"id": "a", "duration": 1, "percent_complete": -0.0}',
        '{"id": "a", "duration": 1, "percent_complete": 1.}',
        '{"id": "a", "duration": 1, "percent_complete": .5}',
        '{"id": "a", "duration": 1, "remaining_duration": -1}',
        '{"id": "a", "duration": 1, "remaining_duration": 1.5}',
        '{"id": "a", "duration": 1, "deadline": "2026-02-30"}',
        '{"id": "a", "duration": 1, "deadline": "20260330"}',
        '{"id": "a", "duration": 1, "deadline": 20260330}',
        '{"id": "a", "duration": 1, "deadline": nul}',
        '{"id": "a", "duration": -3}',
        '{"id": "a", "duration": 1},',
        '["a", 1]',
    ],
)
def test_tasks_the_loop_does_not_take_are_judged_as_before(task: str) -> None:
    doc = {"data_date": "2026-03-02", "tasks": [], "links": []}
    text = json.dumps(doc).replace('"tasks": []', '"tasks": [' + task + "]")
    try:
        expected = json.loads(text)
        parsed = parse_document(expected)
        verdict: object = Network(parsed.tasks, parsed.links).tasks
    except Exception as exc:  # noqa: BLE001 - any verdict of the object route
        verdict = type(exc)
    try:
        got: object = parse_columns(text.encode())[1].tasks
    except GiveUp:
        got = "gave up"
    if got != "gave up":
        assert got == verdict
