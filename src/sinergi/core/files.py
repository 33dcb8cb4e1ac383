"""Where Sinergi keeps files, and which rows point at them.

Core imports no app, so each app that stores files registers a :class:`FileStore` in its
``AppConfig.ready``: the folder and a function listing every row that names a file in it.
Backup, restore and ``sinergi audit verify`` walk these stores.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileRow:
    """A database row that names a stored file; ``sha256`` is the checksum of the stored
    bytes when the row keeps one (None when it keeps none, or one of something else)."""

    model: str
    pk: object
    path: Path
    sha256: str | None = None


@dataclass(frozen=True)
class FileStore:
    """A folder Sinergi writes, and the rows that refer to its files."""

    name: str
    root: Callable[[], Path]
    rows: Callable[[], Iterable[FileRow]]
    models: tuple[str, ...] = ()


_STORES: dict[str, FileStore] = {}


def register_file_store(store: FileStore) -> None:
    """Register (or replace) a file store under its name."""
    _STORES[store.name] = store


def file_stores() -> list[FileStore]:
    """Every registered store, by name."""
    return [_STORES[name] for name in sorted(_STORES)]


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileProblem:
    """A row whose file is missing or whose bytes do not match the checksum it records."""

    model: str
    pk: object
    path: Path
    problem: str  # "missing" or "checksum"

    def describe(self) -> str:
        """One line for the operator, in Indonesian and English."""
        if self.problem == "missing":
            return f"{self.model} #{self.pk}: berkas hilang / file missing: {self.path}"
        return (
            f"{self.model} #{self.pk}: checksum berkas tidak cocok / "
            f"file checksum does not match: {self.path}"
        )


def file_rows_check(*, with_checksums: bool = True) -> tuple[int, list[FileProblem]]:
    """Check that every file row has its file (and, where the row keeps the checksum of
    the stored bytes, that they match): (rows checked, problems)."""
    checked = 0
    problems: list[FileProblem] = []
    for store in file_stores():
        for row in store.rows():
            checked += 1
            if not row.path.is_file():
                problems.append(FileProblem(row.model, row.pk, row.path, "missing"))
            elif with_checksums and row.sha256 and sha256_file(row.path) != row.sha256:
                problems.append(FileProblem(row.model, row.pk, row.path, "checksum"))
    return checked, problems
