"""``sinergi schedule IN.json``: schedule a JSON document and print the result as JSON.

Documents take the columnar route: the file is mapped (or read) in one go, decoded into
columns (no dict per task: Numba loops read tasks and links written the plain way, msgspec
the rest), scheduled on arrays, and the answer is written into one buffer by a Numba loop
(or encoded by msgspec) and written in writes of a megabyte or more (one for a small
answer), whatever ``PYTHONUNBUFFERED`` says. A document that route does not take (an
``updates`` document, or one with a mistake) goes the object route, which says what is
wrong. The output is the bytes ``json.dump(..., indent=2, ensure_ascii=False)`` and a
newline gave, either way.
"""

from __future__ import annotations

import argparse
import gc
import json
import mmap
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import msgspec

from .errors import ScheduleError

if TYPE_CHECKING:
    from .result import Schedule

USAGE_EXIT = 2


class _TaskOut(msgspec.Struct, gc=False):
    """One task of the output, fields in the order of ``TaskResult.as_dict``."""

    es: int
    ef: int
    ls: int
    lf: int
    total_float: int
    free_float: int
    critical: bool
    start: str
    finish: str
    agency: str
    status: str


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # noqa: ANN401 - argparse's own signature
        raise ScheduleError("usage", message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="sinergi schedule",
        description=(
            "Schedule a program from a JSON document (critical path, forecast from progress) "
            "or, when the document holds 'updates', attribute its delay to agencies."
        ),
    )
    p.add_argument("input", help='JSON document, or "-" to read standard input')
    p.add_argument(
        "--near-critical",
        type=int,
        metavar="DAYS",
        help="also list unfinished tasks with total float <= DAYS",
    )
    p.add_argument("--indent", type=int, default=2, help="JSON indentation (0: one line)")
    return p


def _read_bytes(path: str) -> bytes | mmap.mmap:
    """Return the bytes of the file (or standard input): a regular file is mapped, read-only
    and populated in one call, rather than copied (tens of thousands fewer page faults)."""
    try:
        if path == "-":
            stdin = sys.stdin
            buf = getattr(stdin, "buffer", None)
            return buf.read() if buf is not None else stdin.read().encode("utf-8")
        with open(path, "rb") as fh:
            populate = getattr(mmap, "MAP_POPULATE", None)
            if populate is not None:
                try:
                    flags = mmap.MAP_PRIVATE | populate
                    return mmap.mmap(fh.fileno(), 0, flags=flags, prot=mmap.PROT_READ)
                except (OSError, ValueError):  # empty, or not a regular file
                    pass
            return fh.read()
    except OSError as exc:
        raise ScheduleError("unreadable", f"cannot read {path}: {exc.strerror}") from None


def _load(raw: bytes, path: str) -> object:
    try:
        # As reading the file as UTF-8 text did (universal newlines included).
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError:
        raise ScheduleError("invalid_json", f"{path} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScheduleError(
            "invalid_json",
            f"{path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
        ) from None


def run(args: argparse.Namespace) -> dict[str, object]:
    """Read the document named by the parsed arguments and return the result document."""
    result, near = _result(args)
    return result if isinstance(result, dict) else result.as_dict(near_critical=near)


def render(args: argparse.Namespace) -> list[bytes | memoryview]:
    """Read the document named by the parsed arguments and return the JSON text to print,
    in pieces."""
    result, near = _result(args)
    if isinstance(result, dict):
        return [encode(result, args.indent)]
    return encode_schedule(result, near, args.indent)


def _result(args: argparse.Namespace) -> tuple[Schedule | dict[str, object], int | None]:
    from .document import GiveUp, parse_columns

    raw = _read_bytes(args.input)
    try:
        parsed, network = parse_columns(raw)
    except GiveUp:
        return _run_objects(_load(bytes(raw), args.input), args)
    del raw  # tens of megabytes not needed any more
    near = args.near_critical if args.near_critical is not None else parsed.near_critical
    return network.schedule(parsed.calendar, parsed.data_date), near


def _run_objects(
    doc: object, args: argparse.Namespace
) -> tuple[Schedule | dict[str, object], int | None]:
    from .attribution import analyse_document
    from .document import parse_document
    from .network import Network

    if isinstance(doc, dict) and "updates" in doc:
        return analyse_document(doc), None
    parsed = parse_document(doc)
    near = args.near_critical if args.near_critical is not None else parsed.near_critical
    return Network(parsed.tasks, parsed.links).schedule(parsed.calendar, parsed.data_date), near


def encode(out: dict[str, object], indent: int | None) -> bytes:
    """Return the bytes ``json.dump(out, indent=indent, ensure_ascii=False)`` writes, and a
    newline."""
    return (json.dumps(out, indent=indent or None, ensure_ascii=False) + "\n").encode("utf-8")


#: Tasks encoded at a time: a few megabytes of output, so that memory is reused rather
#: than the whole answer built three times over (structs, compact JSON, indented JSON).
CHUNK = 16384
#: Small pieces (the head, separators) are written together with the next ones.
WRITE_AT_LEAST = 1 << 20


#: Whether to write the tasks with the compiled loop (when Numba is there); the tests turn
#: it off to check the msgspec way, which stays for answers that loop does not take.
FAST = True


def encode_schedule(
    sched: Schedule, near: int | None, indent: int | None
) -> list[bytes | memoryview]:
    """Return the JSON text of a schedule, in pieces: the bytes :func:`encode` gives for its
    ``as_dict``, made without a dict per task.

    The head (everything but the tasks) is encoded by msgspec and indented by
    ``msgspec.json.format``, which lays JSON out exactly as the standard library does for an
    indentation of 1 or more (a test holds it to that). The tasks are written by a compiled
    loop into one buffer (see :func:`_tasks_fast`); when that does not apply, each task is a
    msgspec struct (fields in the order of ``TaskResult.as_dict``), encoded a chunk at a time
    inside a ``{"tasks": ...}`` wrapper, so that they come out at the depth they have in the
    document, and the wrapper is cut off.
    """
    ids = sched.network.ids
    if indent is None or indent < 1 or not ids:
        return [encode(sched.as_dict(near_critical=near), indent)]
    import msgspec

    pad = b" " * indent
    opening = b"{\n" + pad + b'"tasks": {\n'
    closing = b"\n" + pad + b"}\n}"
    try:
        head = msgspec.json.format(
            msgspec.json.encode(sched.as_dict(near_critical=near, tasks=False)), indent=indent
        )
        head = head[:-2] + b",\n" + pad + b'"tasks": {\n'
        whole = _tasks_fast(sched, indent, head, closing + b"\n") if FAST else None
        if whole is not None:
            return [whole]
        out: list[bytes | memoryview] = [head]
        for lo in range(0, len(ids), CHUNK):
            rows = slice(lo, lo + CHUNK)
            tasks = map(_TaskOut, *sched.task_columns(rows).values())
            part = {"tasks": dict(zip(ids[rows], tasks, strict=True))}
            text = msgspec.json.format(msgspec.json.encode(part), indent=indent)
            if not (text.startswith(opening) and text.endswith(closing)):
                raise ValueError("unexpected layout")  # pragma: no cover - msgspec changed
            if lo:
                out.append(b",\n")
            out.append(memoryview(text)[len(opening) : -len(closing)].tobytes())
    except (msgspec.EncodeError, UnicodeEncodeError, ValueError):  # a lone surrogate...
        return [encode(sched.as_dict(near_critical=near), indent)]
    out.append(closing + b"\n")
    return out


def _json_text(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _tasks_fast(sched: Schedule, indent: int, head: bytes, tail: bytes) -> memoryview | None:
    """Return ``head``, the tasks of the answer and ``tail`` in one buffer, written by a
    compiled loop: numbers in decimal, and strings (dates, agencies, statuses, true and
    false) each encoded once by ``json.dumps`` and copied. None without Numba, or if an id
    would need escaping (the msgspec way then does it)."""
    from ._kernels import HAVE_NUMBA

    if not HAVE_NUMBA:
        return None
    import numpy as np

    from . import _json_kernels as jk
    from .engine import FINISHED
    from .network import _STATUS, iso_table

    ids = sched.network.ids
    n = len(ids)
    id_text = "".join(ids).encode("utf-8")  # a lone surrogate: UnicodeEncodeError
    id_bytes = np.frombuffer(id_text, dtype=np.uint8)
    if ((id_bytes < 0x20) | (id_bytes == 0x22) | (id_bytes == 0x5C)).any():
        return None  # an id to escape
    sizes = np.fromiter(map(len, ids), np.int64, n)
    if len(id_text) != int(sizes.sum()):  # not all ASCII: each id's length in bytes
        sizes = np.fromiter((len(i.encode("utf-8")) for i in ids), np.int64, n)
    id_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes, out=id_ptr[1:])

    r = sched.result
    es, tf, kind = r.es, r.total_float, sched.kind.astype(np.int64)
    nums = np.stack([es, r.ef, es + tf, r.lf, tf, r.free_float]).astype(np.int64)
    # The strings: false, true, the statuses, the days, the agencies.
    starts, fin = sched._date_arrays
    days, day_index = iso_table(np.concatenate([starts, fin]))
    agencies = sched.network.columns.agencies
    codes = {a: i for i, a in enumerate(dict.fromkeys(agencies))}
    agency = np.fromiter(map(codes.__getitem__, agencies), np.int64, n)
    entries = [_json_text(v) for v in [False, True, *_STATUS, *days, *codes]]
    first_day = 2 + len(_STATUS)
    first_agency = first_day + len(days)
    refs = np.stack(
        [
            ((kind != FINISHED) & (tf <= 0)).astype(np.int64),
            day_index[:n] + first_day,
            day_index[n:] + first_day,
            agency + first_agency,
            kind + 2,
        ]
    )
    table = b"".join(entries)
    table_ptr = np.zeros(len(entries) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in entries], out=table_ptr[1:])
    # Fields in the order of TaskResult.as_dict: six numbers, then the five strings.
    kinds = np.array([0, 1, 2, 3, 4, 5, -1, -2, -3, -4, -5], dtype=np.int64)
    names = list(_TaskOut.__struct_fields__)
    pad = " " * indent
    texts = [pad * 2 + '"', '": {\n' + pad * 3 + json.dumps(names[0]) + ": "]
    texts += [",\n" + pad * 3 + json.dumps(name) + ": " for name in names[1:]]
    texts += ["\n" + pad * 2 + "}", ",\n"]
    pieces = [t.encode("utf-8") for t in texts]
    piece_ptr = np.zeros(len(pieces) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in pieces], out=piece_ptr[1:])

    widest = max(len(e) for e in entries)
    size = len(head) + len(tail) + len(id_text) + n * (piece_ptr[-1] + 6 * 20 + 5 * widest)
    out = np.empty(int(size), dtype=np.uint8)  # pages are touched only as written
    out[: len(head)] = np.frombuffer(head, dtype=np.uint8)
    pos = jk.write_tasks(
        out,
        len(head),
        n,
        id_bytes,
        id_ptr,
        kinds,
        nums,
        refs,
        np.frombuffer(table, dtype=np.uint8),
        table_ptr,
        np.frombuffer(b"".join(pieces), dtype=np.uint8),
        piece_ptr,
    )
    out[pos : pos + len(tail)] = np.frombuffer(tail, dtype=np.uint8)
    return out[: pos + len(tail)].data


def write_out(pieces: list[bytes | memoryview]) -> None:
    """Write pieces of bytes to standard output, each in as few system calls as it takes.

    Pieces are gathered into writes of a megabyte or more (all of a small answer in one),
    which go straight to the file whether or not ``PYTHONUNBUFFERED`` is set; unbuffered,
    one call may write only part, and the rest is written until none is left.
    """
    out = sys.stdout
    out.flush()
    buf = getattr(out, "buffer", None)
    if buf is None:  # a text-only stream (a test's StringIO)
        out.write(b"".join(pieces).decode("utf-8"))
        return
    group: list[bytes | memoryview] = []
    size = 0
    for i, piece in enumerate(pieces):
        group.append(piece)
        size += len(piece)
        if size < WRITE_AT_LEAST and i < len(pieces) - 1:
            continue
        view = memoryview(group[0] if len(group) == 1 else b"".join(group))
        while view:
            view = view[buf.write(view) or 0 :]
        group, size = [], 0
    buf.flush()


def claim_process() -> None:
    """Prepare a process that will run :func:`main` and nothing else, then
    :func:`exit_process`.

    Numba's typing context imports cffi (and compiles pycparser's grammar) on the first
    compiled call, about 0.06 s of CPU, only to type cffi functions, which the kernels do
    not use: in a process of its own, the command makes cffi look absent, which Numba
    expects. Nothing else in this process uses cffi.
    """
    sys.modules.setdefault("cffi", None)  # type: ignore[arg-type]


def exit_process(code: int) -> NoReturn:
    """End a process that ran :func:`main` and nothing else, skipping the teardown.

    Freeing millions of objects one by one at exit costs a few tenths of a second at
    300,000 tasks and serves nothing; standard output and error are flushed first.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str]) -> int:
    """Run ``sinergi schedule``; print JSON on stdout, or a clear error on stderr and exit 2."""
    gc_was_on = gc.isenabled()
    # Millions of objects are made and none is garbage until the end: collections would
    # only walk them again and again.
    gc.disable()
    try:
        args = _parser().parse_args(argv)
        data = render(args)
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except ScheduleError as exc:
        print(f"sinergi schedule: error [{exc.code}]: {exc.message}", file=sys.stderr)
        return USAGE_EXIT
    finally:
        if gc_was_on:
            gc.enable()
    write_out(data)
    return 0
