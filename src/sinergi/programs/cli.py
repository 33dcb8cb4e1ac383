"""``sinergi import schedule FILE --program CODE``: import an MSPDI, XER, CSV or XLSX
schedule."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

FORMATS = {".xml": "mspdi", ".xer": "xer", ".csv": "csv", ".xlsx": "xlsx"}


def add_parsers(sub: Any) -> None:
    """Register ``import schedule`` on the ``sinergi`` command's subparsers."""
    p = sub.add_parser("import", help="import files (schedules into programs)")
    isub = p.add_subparsers(dest="import_command", required=True)
    ps = isub.add_parser(
        "schedule", help="add work items and links from MSPDI, XER, CSV or Excel (.xlsx)"
    )
    ps.add_argument(
        "file", help="MS Project XML (.xml), Primavera XER (.xer), CSV (.csv) or Excel (.xlsx)"
    )
    ps.add_argument("--program", required=True, help="program code, e.g. SPAM-SANGGAU-2026")
    ps.add_argument("--format", choices=sorted(set(FORMATS.values())), help="default: by suffix")
    ps.add_argument("--as", dest="username", help="act as this user (default: system)")
    ps.set_defaults(func=cmd_import_schedule)


def cmd_import_schedule(args: argparse.Namespace) -> int:
    """Import a schedule file into a program, all or nothing, reporting progress on stderr."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sinergi.settings")
    import django

    django.setup()
    from sinergi.accounts.models import User
    from sinergi.core import uploads
    from sinergi.core.clock import now
    from sinergi.core.exceptions import SinergiError
    from sinergi.core.permissions import SYSTEM

    from .exchange import parse_file, schedule_import
    from .models import Program

    def fail(message: str) -> int:
        print(f"sinergi import schedule: {message}", file=sys.stderr)
        return 2

    path = Path(args.file)
    if not path.is_file():
        return fail(f"no file {path}")
    limit = uploads.max_bytes(uploads.SCHEDULE)
    if path.stat().st_size > limit:
        return fail(f"{path} is larger than {limit // 1024 // 1024} MB")
    fmt = args.format or FORMATS.get(path.suffix.lower())
    if fmt is None:
        return fail("cannot tell the format from the file name; use --format")
    program = Program.objects.filter(code=args.program).first()
    if program is None:
        return fail(f"no program {args.program}")
    actor: Any = SYSTEM
    if args.username:
        actor = User.objects.filter(username=args.username, is_active=True).first()
        if actor is None:
            return fail(f"no active user {args.username}")

    def progress(stage: str, count: int) -> None:
        label = {"read": "read", "checked": "checked", "written": "wrote"}.get(stage, stage)
        print(f"{label} {count:,} tasks", file=sys.stderr, flush=True)

    def reading(done: int, total: int) -> None:
        of = f" of about {total:,}" if total else ""
        print(f"reading: {done:,}{of} rows", file=sys.stderr, flush=True)

    print(f"reading {path} ({path.stat().st_size:,} bytes, {fmt})", file=sys.stderr)
    data = path.read_bytes()
    try:
        counts = schedule_import(
            actor=actor,
            program=program,
            data=data,
            fmt=fmt,
            now=now(),
            progress=progress,
            rows=parse_file(data, fmt, on_row=reading),
        )
    except SinergiError as exc:
        problems = [m for msgs in exc.fields.values() for m in msgs] or [exc.message]
        print(f"sinergi import schedule: nothing imported ({exc.message})", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(
        f"imported {counts['work_items']:,} work items and {counts['dependencies']:,} "
        f"dependencies into {program.code}"
    )
    return 0
