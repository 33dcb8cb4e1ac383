"""The ``sinergi`` command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def _setup(mode: str | None = None, data_dir: str | None = None) -> None:
    if data_dir:
        os.environ["SINERGI_DATA_DIR"] = str(Path(data_dir).resolve())
    if mode:
        os.environ["SINERGI_MODE"] = mode
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sinergi.settings")
    import django

    django.setup()


def _manage(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


def _server_argv(host: str, port: int, workers: int) -> list[str]:
    """The command line of the granian WSGI server."""
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-ws",
        # Django views block on the database: a few threads per worker keep memory and
        # connection counts bounded; SINERGI_THREADS tunes it.
        "--blocking-threads",
        os.environ.get("SINERGI_THREADS", "8"),
        "sinergi.wsgi:application",
    ]


def _become_server(host: str, port: int, workers: int, *, with_worker: bool, demo: bool) -> int:
    """Replace this process (which loaded Django to migrate and load data, ~100–190 MB it
    would otherwise hold only to wait) by the worker that runs the server as its child,
    or by the server alone without a worker. Never returns."""
    sys.stdout.flush()
    sys.stderr.flush()
    from django.db import connections

    connections.close_all()
    if not with_worker:
        argv = _server_argv(host, port, workers)
    else:
        argv = [sys.executable, "-m", "sinergi.cli", "worker", "--serve", "--host", host]
        argv += ["--port", str(port), "--workers", str(workers)]
        if demo:
            argv.append("--tasks-in-thread")
    os.execv(sys.executable, argv)  # noqa: S606 - fixed argv, no shell


def cmd_demo(args: argparse.Namespace) -> int:
    data_dir = args.data_dir or os.environ.get("SINERGI_DATA_DIR") or "sinergi-data"
    _setup("demo", data_dir)
    from sinergi.core.clock import now
    from sinergi.demo import DEMO_PASSWORD, DEMO_USERS, load_demo

    print(f"Sinergi demo — data in {Path(data_dir).resolve()}")
    _manage("migrate", "--no-input", "-v", "0")
    counts = load_demo(now=now())
    print(
        f"Demo data: {counts['agencies']} agencies, {counts['users']} users added "
        "(nothing is added twice when you run it again)."
    )
    print(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    for du in DEMO_USERS:
        print(f"  {du.username:<12} {du.what}")
    from sinergi.cases.demo import DEMO_OFFICERS

    for username, _name, agency, role, position in DEMO_OFFICERS:
        print(f"  {username:<12} {role}: {position} ({agency}, Layanan)")
    from django.conf import settings

    roles = ", ".join(settings.SINERGI_TOTP_REQUIRED_ROLES)
    if roles:
        print(
            f"\nTwo-factor login is required for: {roles} (admin, bupati, sekda, kabappeda):"
            "\nthey are asked to set up an authenticator app at their first login."
            "\nSet SINERGI_TOTP_REQUIRED_ROLES= (empty) to turn the requirement off."
        )
    if args.no_serve:
        return 0
    print(f"\nSinergi runs at http://{args.host}:{args.port}/  (Ctrl+C stops it)", flush=True)
    print(f"Health (database, worker, queue): http://{args.host}:{args.port}/healthz\n", flush=True)
    return _become_server(args.host, args.port, 1, with_worker=True, demo=True)


def cmd_serve(args: argparse.Namespace) -> int:
    os.environ.setdefault("SINERGI_STATIC_MANIFEST", "1")
    _setup(os.environ.get("SINERGI_MODE", "production"))
    _manage("migrate", "--no-input", "-v", "0")
    from sinergi.agencies.services import reference_load
    from sinergi.core.clock import now
    from sinergi.core.permissions import SYSTEM
    from sinergi.regions.services import reference_rows, regions_load

    # Reference facts (Kemendagri regions, sectors, government affairs): idempotent.
    regions_load(actor=SYSTEM, rows=reference_rows(), now=now())
    reference_load(actor=SYSTEM, now=now())
    _manage("collectstatic", "--no-input", "-v", "0")
    return _become_server(
        args.host, args.port, args.workers, with_worker=not args.no_worker, demo=False
    )


def cmd_worker(args: argparse.Namespace) -> int:
    _setup()
    from sinergi.core.clock import now
    from sinergi.core.tick import run_tick

    if args.once:
        run_tick(now())
        return 0
    from sinergi.core.worker import run_worker

    server = _server_argv(args.host, args.port, args.workers) if args.serve else None
    return run_worker(
        interval=args.interval, server_argv=server, tasks_in_thread=args.tasks_in_thread
    )


def cmd_tick(args: argparse.Namespace) -> int:
    _setup()
    import json

    from sinergi.core.clock import parse_now
    from sinergi.core.tick import run_tick

    try:
        moment = parse_now(args.now)
    except ValueError:
        print(
            f"sinergi tick: --now must be an ISO-8601 date and time, got {args.now!r}",
            file=sys.stderr,
        )
        return 2
    print(json.dumps({"now": moment.isoformat(), "jobs": run_tick(moment)}, indent=2, default=str))
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sinergi manage", *args.rest])
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    _setup()
    from django.db import transaction

    from sinergi.accounts.services import user_create
    from sinergi.agencies.models import Agency
    from sinergi.agencies.services import membership_add
    from sinergi.core.clock import now
    from sinergi.core.exceptions import SinergiError
    from sinergi.core.permissions import SYSTEM

    if not args.password and not args.email:
        print(
            "sinergi user add: give --password, or --email so the user can set one", file=sys.stderr
        )
        return 2
    try:
        with transaction.atomic():
            agency = Agency.objects.filter(slug=args.agency).first() if args.agency else None
            if args.agency and agency is None:
                print(f"sinergi user add: no agency with slug {args.agency!r}", file=sys.stderr)
                return 2
            user = user_create(
                actor=SYSTEM,
                username=args.username,
                password=args.password,
                email=args.email or "",
                full_name=args.full_name or "",
                is_superuser=args.superuser,
                now=now(),
            )
            if agency is not None:
                membership_add(
                    actor=SYSTEM,
                    agency=agency,
                    user=user,
                    role=args.role,
                    position_title=args.position or "",
                    now=now(),
                )
    except SinergiError as exc:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
        print(f"sinergi user add: {exc.message} {details}".strip(), file=sys.stderr)
        return 2
    print(f"User {user.username} created" + (f" as {args.role} of {agency.slug}" if agency else ""))
    if not args.password:
        print("No password given: the user sets one with 'Lupa kata sandi' (reset by email).")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    _setup()
    from sinergi.accounts.models import User
    from sinergi.accounts.services import token_create, token_default_expiry
    from sinergi.core.clock import now, parse_now
    from sinergi.core.exceptions import SinergiError
    from sinergi.core.permissions import SYSTEM

    user = User.objects.filter(username=args.username, is_active=True).first()
    if user is None:
        print(f"sinergi token create: no active user {args.username!r}", file=sys.stderr)
        return 2
    moment = now()
    expires = (args.expires or "").strip()
    try:
        if expires.endswith("d") and expires[:-1].isdigit():
            expires_at = token_default_expiry(moment, int(expires[:-1]))
        elif expires.isdigit():
            expires_at = token_default_expiry(moment, int(expires))
        elif expires:
            expires_at = parse_now(expires)
        else:
            expires_at = token_default_expiry(moment)
    except (ValueError, OverflowError):
        print(
            "sinergi token create: --expires takes days (90 or 90d) or a date (2027-06-30)",
            file=sys.stderr,
        )
        return 2
    scopes = [
        s for value in args.scope or ["read", "write"] for s in value.replace(",", " ").split()
    ]
    try:
        token, secret = token_create(
            actor=SYSTEM,
            user=user,
            name=args.name,
            scopes=scopes,
            expires_at=expires_at,
            now=moment,
        )
    except SinergiError as exc:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
        print(f"sinergi token create: {exc.message} {details}".strip(), file=sys.stderr)
        return 2
    print(secret)
    print(
        f"Scopes: {token.scopes}; expires {token.expires_at:%Y-%m-%d %H:%M} UTC.", file=sys.stderr
    )
    print("Store it now: only its hash is kept, it cannot be shown again.", file=sys.stderr)
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    _setup()
    from sinergi.core.audit import audit_verify, chain_label
    from sinergi.core.files import file_rows_check

    result = audit_verify()
    failed = not result.ok
    if result.chains or result.ok:
        anchored_en = f", {result.anchored} checked against signed anchors"
        anchored_id = f", {result.anchored} dicocokkan dengan jangkar bertanda tangan"
        print(
            f"Audit log: {len(result.chains)} chains, {result.checked} entries verified"
            f"{anchored_en if result.anchored else ''}"
            f" / Log audit: {len(result.chains)} rantai, {result.checked} entri diperiksa"
            f"{anchored_id if result.anchored else ''}."
        )
    for chain in result.chains:
        name = chain_label(chain.chain)
        if chain.ok:
            print(
                f"  {name}: intact / utuh, {chain.checked} entries / entri"
                + (f", {chain.anchored} anchored / berjangkar" if chain.anchored else "")
            )
        else:
            print(
                f"  {name}: Audit chain {name} BROKEN at entry {chain.first_bad_seq} / "
                f"rantai audit {name} RUSAK pada entri {chain.first_bad_seq}: {chain.reason} "
                f"({chain.checked} entries before it verified / entri sebelumnya utuh).",
                file=sys.stderr,
            )
    if not result.chains and not result.ok:
        print(
            f"Audit log cannot be verified / log audit tidak dapat diperiksa: {result.reason}",
            file=sys.stderr,
        )
    elif result.ok:
        print(f"Audit chains intact / rantai audit utuh: {len(result.chains)}.")
    checked, problems = file_rows_check()
    if problems:
        failed = True
        print(
            f"{len(problems)} of {checked} file rows have no intact file "
            f"({len(problems)} dari {checked} baris berkas tanpa berkas yang utuh):",
            file=sys.stderr,
        )
        for problem in problems[:50]:
            print(f"  {problem.describe()}", file=sys.stderr)
    else:
        print(f"Files intact: {checked} file rows have their file.")
    return 1 if failed else 0


def cmd_audit_anchor(args: argparse.Namespace) -> int:
    _setup()
    from sinergi.core.anchor import anchors_path, anchors_write
    from sinergi.core.clock import now

    result = anchors_write(now=now(), force=True)
    if "error" in result:
        print(f"sinergi audit anchor: {result['error']}", file=sys.stderr)
        return 1
    print(
        f"Anchored {result['chains']} audit chains ({result['entries']} entries) in "
        f"{anchors_path()} / {result['chains']} rantai audit ({result['entries']} entri) "
        "diberi jangkar."
    )
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    _setup()
    from sinergi.core.backup import BackupError, backup_create
    from sinergi.core.clock import now

    try:
        manifest = backup_create(Path(args.dir), now=now())
    except BackupError as exc:
        print(f"sinergi backup: {exc}", file=sys.stderr)
        return 2
    size = sum(f["size"] for f in manifest["files"]) + manifest["database"]["size"]
    print(
        f"Cadangan selesai / backup written: {Path(args.dir).resolve()} — "
        f"{manifest['database']['vendor']} database, {len(manifest['files'])} files, "
        f"{size / 1e6:.1f} MB, audit entry #{manifest['audit_head']['seq']}, "
        f"{len(manifest['audit_head']['chains'])} audit chains."
    )
    print(
        "It holds the secret key and every uploaded document: keep it encrypted. / "
        "Berisi kunci rahasia dan semua dokumen unggahan: simpan terenkripsi."
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    _setup()
    from sinergi.core.backup import BackupError, restore_apply

    try:
        report = restore_apply(Path(args.dir), force=args.force)
    except BackupError as exc:
        print(
            "sinergi restore: dibatalkan, tidak ada yang diubah / refused, nothing changed:\n"
            f"{exc}",
            file=sys.stderr,
        )
        return 2
    for note in report.notes:
        print(note)
    if report.problems:
        print("sinergi restore: PEMULIHAN TIDAK UTUH / RESTORE NOT INTACT:", file=sys.stderr)
        for problem in report.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(
        f"Pemulihan selesai / restore complete: {report.files} files, audit chain intact "
        f"({report.audit_checked} entries), {report.file_rows} file rows have their file."
    )
    return 0


def cmd_bench_seed(args: argparse.Namespace) -> int:
    _setup(None, args.data_dir)
    from sinergi.benchseed import BENCH_PASSWORD, BENCH_USERS, NotEmpty, bench_seed
    from sinergi.core.clock import now

    _manage("migrate", "--no-input", "-v", "0")
    print(f"Generating the {args.scale} scale (seed {args.seed}) …", flush=True)
    try:
        bench_seed(
            scale=args.scale,
            now=now(),
            seed=args.seed,
            force=args.force,
            log=lambda line: print(line, flush=True),
        )
    except NotEmpty as exc:
        print(f"sinergi bench seed: {exc}", file=sys.stderr)
        return 2
    print(f"\nBench logins (password for all: {BENCH_PASSWORD}):")
    for username, what in BENCH_USERS.items():
        print(f"  {username:<16} {what}")
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from sinergi.schedule.cli import main as schedule_main

    return schedule_main(list(args.rest))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``sinergi`` command."""
    parser = argparse.ArgumentParser(
        prog="sinergi", description="Sinergi — whole-of-government coordination."
    )
    parser.add_argument(
        "--data-dir", dest="global_data_dir", help="data folder (default ./sinergi-data)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "demo", help="SQLite demo with Kabupaten Sanggau data on http://127.0.0.1:8000"
    )
    p.add_argument("--data-dir", help="data folder (default ./sinergi-data or SINERGI_DATA_DIR)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-serve", action="store_true", help="load the demo and exit")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="production server (granian WSGI) and worker")
    p.add_argument("--host", default=os.environ.get("SINERGI_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("SINERGI_PORT", "8000")))
    p.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("SINERGI_WORKERS", str(os.cpu_count() or 1))),
    )
    p.add_argument("--no-worker", action="store_true", help="do not start the background worker")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="background tasks and the periodic tick")
    p.add_argument("--interval", type=int, default=60, help="seconds between ticks")
    p.add_argument("--once", action="store_true", help="run one tick and exit (no tasks worker)")
    p.add_argument(
        "--serve",
        action="store_true",
        help="also run the web server (granian) as a child and stop with it "
        "(what `sinergi serve` and `sinergi demo` become)",
    )
    p.add_argument("--host", default="127.0.0.1", help="with --serve")
    p.add_argument("--port", type=int, default=8000, help="with --serve")
    p.add_argument("--workers", type=int, default=1, help="with --serve: granian workers")
    p.add_argument(
        "--tasks-in-thread",
        action="store_true",
        help="run the tasks worker in a thread rather than a db_worker child (the demo)",
    )
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("tick", help="run the periodic jobs for a moment")
    p.add_argument("--now", help="ISO-8601 moment, default the current time")
    p.set_defaults(func=cmd_tick)

    p = sub.add_parser("manage", help="Django management commands", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)

    p = sub.add_parser("user", help="user accounts")
    usub = p.add_subparsers(dest="user_command", required=True)
    pa = usub.add_parser("add", help="create a user and give them a role in an agency")
    pa.add_argument("username")
    pa.add_argument("--agency", help="agency slug")
    pa.add_argument(
        "--role", default="staff", choices=["viewer", "staff", "manager", "head", "admin"]
    )
    pa.add_argument("--password")
    pa.add_argument("--email")
    pa.add_argument("--full-name")
    pa.add_argument("--position", help="position title in the agency")
    pa.add_argument("--superuser", action="store_true", help="platform administrator")
    pa.set_defaults(func=cmd_user_add)

    p = sub.add_parser("token", help="API tokens")
    tsub = p.add_subparsers(dest="token_command", required=True)
    pt = tsub.add_parser("create", help="print a new bearer token once")
    pt.add_argument("username")
    pt.add_argument("--name", default="cli")
    pt.add_argument(
        "--scope",
        action="append",
        help="read, write or write:<module> (repeat or separate with commas); default: read write",
    )
    pt.add_argument(
        "--expires",
        help="lifetime in days (90 or 90d, the default 90) or an end date (2027-06-30); "
        "at most SINERGI_TOKEN_MAX_DAYS (365)",
    )
    pt.set_defaults(func=cmd_token_create)

    p = sub.add_parser("audit", help="the audit chain")
    asub = p.add_subparsers(dest="audit_command", required=True)
    pv = asub.add_parser("verify", help="walk the hash chain and report the first bad entry")
    pv.set_defaults(func=cmd_audit_verify)
    pn = asub.add_parser("anchor", help="write a signed checkpoint of the chain head now")
    pn.set_defaults(func=cmd_audit_anchor)

    p = sub.add_parser("backup", help="copy the database and every file folder into DIR")
    p.add_argument("dir", help="new or empty folder for the backup")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restore a backup into an empty database and data folder")
    p.add_argument("dir", help="folder written by `sinergi backup`")
    p.add_argument(
        "--force", action="store_true", help="overwrite a database or data folder that is not empty"
    )
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("bench", help="benchmark fixtures (never on a production database)")
    bsub = p.add_subparsers(dest="bench_command", required=True)
    pb = bsub.add_parser(
        "seed", help="bulk-load generated data at kabupaten or national scale into an empty DB"
    )
    pb.add_argument("--scale", required=True, choices=["tiny", "kabupaten", "national"])
    pb.add_argument("--data-dir", help="data folder of the SQLite database")
    pb.add_argument("--seed", type=int, default=17, help="random seed (same seed, same rows)")
    pb.add_argument("--force", action="store_true", help="add to a database that holds data")
    pb.set_defaults(func=cmd_bench_seed)

    p = sub.add_parser("schedule", help="run the scheduling engine on a JSON file", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_schedule)

    from sinergi.programs.cli import add_parsers as add_program_parsers

    add_program_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sinergi`` command."""
    whole_process = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) >= 2 and argv[0] == "--data-dir":
        os.environ["SINERGI_DATA_DIR"] = str(Path(argv[1]).resolve())
        argv = argv[2:]
    if argv and argv[0] == "schedule":
        # Straight to the engine's command: no Django, no other subcommand's imports.
        from sinergi.schedule.cli import claim_process, exit_process
        from sinergi.schedule.cli import main as schedule_main

        if whole_process:
            claim_process()
        code = schedule_main(argv[1:])
        if whole_process:
            exit_process(code)
        return code
    # These two hand every argument, --help included, to the tool behind them.
    if argv and argv[0] in {"manage", "schedule"}:
        argv = [argv[0], "--", *argv[1:]]
    args = build_parser().parse_args(argv)
    if getattr(args, "rest", None) and args.rest[0] == "--":
        args.rest = args.rest[1:]
    if args.global_data_dir:
        os.environ["SINERGI_DATA_DIR"] = str(Path(args.global_data_dir).resolve())
    from django.db.utils import OperationalError, ProgrammingError

    try:
        return int(args.func(args) or 0)
    except (OperationalError, ProgrammingError) as exc:
        print(
            f"sinergi {args.command}: the database is not ready ({exc}).\n"
            "Run `sinergi manage migrate` (or `sinergi demo` for the demo) first.",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
