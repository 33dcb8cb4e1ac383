"""``sinergi schedule IN.json``: schedule a JSON document and print the result as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .errors import ScheduleError

USAGE_EXIT = 2


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


def _read(path: str) -> object:
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
    except OSError as exc:
        raise ScheduleError("unreadable", f"cannot read {path}: {exc.strerror}") from None
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
    from .attribution import analyse_document
    from .document import parse_document
    from .network import Network

    doc = _read(args.input)
    if isinstance(doc, dict) and "updates" in doc:
        return analyse_document(doc)
    parsed = parse_document(doc)
    near = args.near_critical if args.near_critical is not None else parsed.near_critical
    sched = Network(parsed.tasks, parsed.links).schedule(parsed.calendar, parsed.data_date)
    return sched.as_dict(near_critical=near)


def main(argv: list[str]) -> int:
    """Run ``sinergi schedule``; print JSON on stdout, or a clear error on stderr and exit 2."""
    try:
        args = _parser().parse_args(argv)
        out = run(args)
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except ScheduleError as exc:
        print(f"sinergi schedule: error [{exc.code}]: {exc.message}", file=sys.stderr)
        return USAGE_EXIT
    json.dump(out, sys.stdout, indent=args.indent or None, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0
