"""``sinergi backup DIR`` and ``sinergi restore DIR``: the database and every file folder,
with a manifest of checksums checked before anything is restored.

Layout of a backup folder::

    manifest.json          format, Sinergi version, time, migrations, audit head, checksums
    database.sqlite3       SQLite: a copy made with SQLite's online backup API
    database.pgdump        PostgreSQL: pg_dump --format=custom
    files/<path>           every file of the data folder (minus database, static, run/)
    stores/<name>/<path>   a registered file store whose folder lies outside the data folder

The database is copied first and the files after it: a file is written before the row
that names it commits, so every row of the copied database finds its file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

from .files import file_rows_check, file_stores, sha256_file

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_DUMP = "database.sqlite3"
PG_DUMP = "database.pgdump"
#: Top-level entries of the data folder that are not backed up: regenerated or live state.
SKIPPED_TOP = frozenset({"static", "run"})
#: Temporary files of uploads in progress and DuckDB builds.
TEMP_SUFFIXES = (".part", ".tmp", ".duckdb-tmp", ".duckdb-tmp.wal", ".restore-tmp")
#: Files that a fresh data folder may already hold without counting as "not empty":
#: settings write the secret key (outside production) and an empty static folder.
FRESH_ENTRIES = frozenset({"secret_key", "static"})


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator."""


def sinergi_version() -> str:
    """The installed version of the sinergi package."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sinergi")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def data_dir() -> Path:
    """The data folder of this installation."""
    return Path(settings.DATA_DIR).resolve()


def _database() -> dict[str, Any]:
    return dict(connections["default"].settings_dict)


def _vendor() -> str:
    return str(connections["default"].vendor)


def _sqlite_files() -> set[Path]:
    name = str(_database().get("NAME") or "")
    if not name or name.startswith("file:") or name == ":memory:":
        return set()
    path = Path(name).resolve()
    return {path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")}


def _within(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _walk(folder: Path) -> Iterator[Path]:
    if not folder.is_dir():
        return
    for base, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            path = Path(base) / name
            if path.is_file() and not path.is_symlink() and not name.endswith(TEMP_SUFFIXES):
                yield path


def _sources() -> list[tuple[str, Path]]:
    """(folder in the backup, folder on disk) for the data folder and every store that
    lies outside it."""
    root = data_dir()
    sources = [("files", root)]
    for store in file_stores():
        folder = store.root().resolve()
        if not _within(folder, root):
            sources.append((f"stores/{store.name}", folder))
    return sources


def _files_of(prefix: str, folder: Path) -> Iterator[tuple[str, Path]]:
    skip = _sqlite_files()
    static_root = Path(settings.STATIC_ROOT).resolve()
    for path in _walk(folder):
        rel = path.relative_to(folder)
        if prefix == "files" and (rel.parts[0] in SKIPPED_TOP or path.resolve() in skip):
            continue
        if _within(path, static_root):
            continue
        yield f"{prefix}/{rel.as_posix()}", path


def migration_state() -> dict[str, list[str]]:
    """Applied migrations per app, as the database records them."""
    from django.db.migrations.recorder import MigrationRecorder

    state: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections["default"]).applied_migrations()):
        state.setdefault(app, []).append(name)
    return state


def _code_migrations() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


# --- PostgreSQL tools -------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """Path of pg_dump/pg_restore/psql: on PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return str(candidates[-1])
    raise BackupError(
        f"{name} tidak ditemukan; pasang klien PostgreSQL / "
        f"{name} not found; install the PostgreSQL client tools (postgresql-client)"
    )


def _pg_args(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(argv: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed tool, no shell
    if result.returncode != 0:
        raise BackupError(
            f"{Path(argv[0]).name} gagal / failed ({result.returncode}): "
            f"{result.stderr.strip()[-2000:]}"
        )


# --- backup -----------------------------------------------------------------------------


def _dump_database(dest: Path) -> dict[str, Any]:
    vendor = _vendor()
    if vendor == "sqlite":
        target = dest / SQLITE_DUMP
        conn = connections["default"]
        conn.ensure_connection()
        out = sqlite3.connect(target)
        try:
            # The online backup API copies a consistent snapshot while others keep writing.
            conn.connection.backup(out)
        finally:
            out.close()
    elif vendor == "postgresql":
        target = dest / PG_DUMP
        db = _database()
        args, env = _pg_args(db)
        _run(
            [
                pg_tool("pg_dump"),
                *args,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={target}",
                str(db["NAME"]),
            ],
            env,
        )
    else:
        raise BackupError(f"database {vendor} is not supported")
    return {
        "vendor": vendor,
        "file": target.name,
        "sha256": sha256_file(target),
        "size": target.stat().st_size,
    }


def backup_create(dest: Path, *, now: dt.datetime) -> dict[str, Any]:
    """Write a backup of the database and every file folder into ``dest`` (which must be
    missing or empty) and return its manifest."""
    from django.db.models import Max

    from .models import AuditEntry, AuditHead

    dest = dest.resolve()
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"Folder cadangan tidak kosong / backup folder is not empty: {dest}")
    if _within(dest, data_dir()):
        raise BackupError(
            "Folder cadangan tidak boleh di dalam folder data / "
            f"the backup folder may not be inside the data folder: {dest}"
        )
    dest.mkdir(parents=True, exist_ok=True)
    dest.chmod(0o700)  # it holds the secret key and every uploaded document
    heads = {h.chain: {"seq": h.seq, "hash": h.hash} for h in AuditHead.objects.order_by("chain")}
    newest = AuditEntry.objects.aggregate(m=Max("seq"))["m"] or 0
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "sinergi_version": sinergi_version(),
        "created_at": now.astimezone(dt.UTC).isoformat(),
        "migrations": migration_state(),
        # The newest entry's number across chains, and every chain's head.
        "audit_head": {"seq": newest, "chains": heads},
        "database": _dump_database(dest),
        "sources": {},
        "stores": {},
        "files": [],
    }
    for prefix, folder in _sources():
        manifest["sources"][prefix] = str(folder)
        for rel, path in _files_of(prefix, folder):
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            manifest["files"].append(
                {"path": rel, "sha256": sha256_file(target), "size": target.stat().st_size}
            )
    root = data_dir()
    for store in file_stores():
        folder = store.root().resolve()
        manifest["stores"][store.name] = (
            "files/" + folder.relative_to(root).as_posix()
            if _within(folder, root)
            else f"stores/{store.name}"
        )
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


# --- restore ----------------------------------------------------------------------------


def _problem(id_text: str, en_text: str) -> str:
    return f"{id_text} / {en_text}"


def manifest_check(src: Path) -> dict[str, Any]:
    """Read the manifest and check every file it lists (size and SHA-256) before anything
    is restored; raise with every problem found."""
    path = src / MANIFEST
    if not path.is_file():
        raise BackupError(_problem("manifest.json tidak ada", f"no manifest.json in {src}"))
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(
            _problem("manifest.json rusak", f"manifest.json unreadable: {exc}")
        ) from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(
            _problem(
                "format cadangan tidak dikenal", f"unknown backup format {manifest.get('format')!r}"
            )
        )
    problems: list[str] = []
    entries = [
        {"path": manifest["database"]["file"], **manifest["database"]},
        *manifest.get("files", []),
    ]
    for entry in entries:
        rel = str(entry["path"])
        target = (src / rel).resolve()
        if not _within(target, src.resolve()):
            problems.append(_problem("jalur di luar cadangan", f"path outside the backup: {rel}"))
        elif not target.is_file():
            problems.append(_problem(f"berkas hilang: {rel}", f"file missing: {rel}"))
        elif target.stat().st_size != entry["size"]:
            problems.append(_problem(f"ukuran berbeda: {rel}", f"size differs: {rel}"))
        elif sha256_file(target) != entry["sha256"]:
            problems.append(_problem(f"checksum berbeda: {rel}", f"checksum differs: {rel}"))
    if problems:
        raise BackupError("\n".join(problems))
    return manifest


def _database_empty() -> bool:
    conn = connections["default"]
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
        else:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
        row = cursor.fetchone()
    return not row or row[0] == 0


def _data_dir_entries() -> list[Path]:
    """What already lives where the backup's files would go, beside what a fresh folder
    holds (its secret key, the static folder, the database, run/)."""
    root = data_dir()
    skip = {p.name for p in _sqlite_files() if p.parent == root}
    found = (
        [p for p in sorted(root.iterdir()) if p.name not in FRESH_ENTRIES | skip | {"run"}]
        if root.is_dir()
        else []
    )
    for store in file_stores():
        folder = store.root().resolve()
        if not _within(folder, root) and folder.is_dir() and any(folder.iterdir()):
            found.append(folder)
    return found


@dataclass
class RestoreReport:
    """What a restore did and what its checks found."""

    files: int = 0
    audit_checked: int = 0
    file_rows: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def restore_apply(src: Path, *, force: bool = False) -> RestoreReport:
    """Check the backup, refuse a target that already holds data (unless ``force``),
    restore the database and the files, then verify the audit chain and every file row."""
    src = src.resolve()
    manifest = manifest_check(src)
    vendor = _vendor()
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(
            _problem(
                f"cadangan dari {manifest['database']['vendor']}, basis data tujuan {vendor}",
                f"the backup is of a {manifest['database']['vendor']} database, "
                f"the target is {vendor}",
            )
        )
    unknown = {
        (app, name) for app, names in manifest["migrations"].items() for name in names
    } - _code_migrations()
    if unknown:
        listed = ", ".join(f"{a}.{n}" for a, n in sorted(unknown)[:5])
        raise BackupError(
            _problem(
                f"cadangan dibuat oleh versi Sinergi yang lebih baru ({listed})",
                f"the backup has migrations this version does not know ({listed}); "
                "install the Sinergi version that made it",
            )
        )
    occupied = _data_dir_entries()
    db_empty = _database_empty()
    if not force and (occupied or not db_empty):
        what = []
        if not db_empty:
            what.append(
                _problem("basis data tujuan tidak kosong", "the target database is not empty")
            )
        if occupied:
            names = ", ".join(str(p) for p in occupied[:5])
            what.append(
                _problem(
                    f"folder data tidak kosong ({names})", f"the data folder is not empty ({names})"
                )
            )
        raise BackupError(
            "\n".join(what)
            + "\n"
            + _problem("gunakan --force untuk menimpa", "use --force to overwrite")
        )
    _restore_database(src, manifest, replace=not db_empty)
    report = RestoreReport()
    report.files = _restore_files(src, manifest, force=force)
    connections.close_all()
    _verify_after_restore(manifest, report)
    return report


def _restore_database(src: Path, manifest: dict[str, Any], *, replace: bool) -> None:
    dump = src / manifest["database"]["file"]
    conn = connections["default"]
    if conn.vendor == "sqlite":
        name = Path(str(conn.settings_dict["NAME"])).resolve()
        connections.close_all()
        tmp = Path(f"{name}.restore-tmp")
        shutil.copyfile(dump, tmp)
        for leftover in (Path(f"{name}-wal"), Path(f"{name}-shm"), Path(f"{name}-journal")):
            leftover.unlink(missing_ok=True)
        os.replace(tmp, name)
        return
    db = _database()
    if replace:
        with conn.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    connections.close_all()
    args, env = _pg_args(db)
    _run(
        [
            pg_tool("pg_restore"),
            *args,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={db['NAME']}",
            str(dump),
        ],
        env,
    )


def _restore_files(src: Path, manifest: dict[str, Any], *, force: bool) -> int:
    root = data_dir()
    root.mkdir(parents=True, exist_ok=True)
    targets: dict[str, Path] = {"files": root}
    stores = {s.name: s.root().resolve() for s in file_stores()}
    for name, where in manifest.get("stores", {}).items():
        if str(where).startswith("stores/") and name in stores:
            targets[f"stores/{name}"] = stores[name]
    if force:
        tops = {
            entry["path"].split("/")[1]
            for entry in manifest["files"]
            if entry["path"].startswith("files/")
        }
        for top in tops:
            old = root / top
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old)
            else:
                old.unlink(missing_ok=True)
        for prefix, folder in targets.items():
            if prefix != "files" and folder.is_dir():
                shutil.rmtree(folder)
    count = 0
    for entry in manifest["files"]:
        rel = str(entry["path"])
        prefix = "files" if rel.startswith("files/") else "/".join(rel.split("/")[:2])
        into = targets.get(prefix)
        if into is None:
            continue  # a store this installation no longer has
        target = into / rel[len(prefix) + 1 :]
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".restore-tmp")
        shutil.copy2(src / rel, tmp)
        os.replace(tmp, target)
        if target.name in {"secret_key", "audit.key"}:
            target.chmod(0o600)
            if target.parent.name == "keys":
                target.parent.chmod(0o700)
        count += 1
    return count


def _verify_after_restore(manifest: dict[str, Any], report: RestoreReport) -> None:
    from .audit import audit_verify, chain_label

    root = data_dir()
    for entry in manifest["files"]:
        rel = str(entry["path"])
        if not rel.startswith("files/"):
            continue
        path = root / rel[len("files/") :]
        if not path.is_file() or sha256_file(path) != entry["sha256"]:
            report.problems.append(
                _problem(
                    f"berkas tidak terpulihkan dengan benar: {rel}",
                    f"file not restored intact: {rel}",
                )
            )
    result = audit_verify()
    report.audit_checked = result.checked
    for chain in result.broken:
        report.problems.append(
            _problem(
                f"rantai audit {chain_label(chain.chain)} rusak pada entri {chain.first_bad_seq}",
                f"audit chain {chain_label(chain.chain)} broken at entry "
                f"{chain.first_bad_seq}: {chain.reason}",
            )
        )
    if not result.ok and not result.chains:
        report.problems.append(
            _problem("log audit tidak dapat diperiksa", f"audit log not verified: {result.reason}")
        )
    checked, problems = file_rows_check()
    report.file_rows = checked
    report.problems.extend(p.describe() for p in problems)
    missing = {(app, name) for app, names in migration_state().items() for name in names}
    if _code_migrations() - missing:
        report.notes.append(
            _problem(
                "versi ini punya migrasi baru: jalankan `sinergi manage migrate`",
                "this version has newer migrations: run `sinergi manage migrate`",
            )
        )
