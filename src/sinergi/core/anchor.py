"""Signed checkpoints of the audit chain, kept outside the database.

Someone who can write the database could rewrite an audit entry and recompute every later
hash and the head; the chain alone would not show it. Anchors close that: every N entries
and every hour the tick appends a line to ``DATA_DIR/audit-anchors.jsonl`` holding the
head's sequence number and hash, a 64-bit prefix of the hash of every entry since the
previous anchor, and an HMAC-SHA256 over the line with a key that is not in the database
(``SINERGI_AUDIT_KEY``, else ``DATA_DIR/keys/audit.key``). ``audit verify`` compares the
chain with every anchor and names the first entry that no longer matches. Optionally each
run's last anchor is POSTed to a witness URL outside this server.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction

from .models import GENESIS_HASH, AuditEntry, AuditHead

logger = logging.getLogger(__name__)

VERSION = 1
PREFIX = 16  # hex characters of each entry's hash kept in an anchor: 64 bits
HOURLY = dt.timedelta(hours=1)

#: POSTs a body to a URL (SSRF-checked); registered by the notifications app.
WitnessSender = Callable[[str, bytes, dict[str, str]], int]
_witness_sender: WitnessSender | None = None


def set_witness_sender(sender: WitnessSender) -> None:
    """Register the function that POSTs anchors to the witness URL."""
    global _witness_sender  # noqa: PLW0603 - a registry set once at start-up
    _witness_sender = sender


class AnchorError(Exception):
    """The anchor file cannot be trusted as it is (bad line, bad signature, no key)."""


def anchors_path() -> Path:
    """The append-only file of anchors."""
    return Path(settings.DATA_DIR) / "audit-anchors.jsonl"


def key_path() -> Path:
    """Where the anchor key is kept when ``SINERGI_AUDIT_KEY`` is not set."""
    return Path(settings.DATA_DIR) / "keys" / "audit.key"


def audit_key(*, create: bool = True) -> bytes | None:
    """The anchor key: ``SINERGI_AUDIT_KEY``, else the key file, created (mode 0600) on
    first use when ``create``."""
    configured = str(getattr(settings, "SINERGI_AUDIT_KEY", "") or "")
    if configured:
        return configured.encode()
    path = key_path()
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    return path.read_text().strip().encode()


def key_id(key: bytes) -> str:
    """A short public name of a key, so a verify can tell "other key" from "edited line"."""
    return hmac.new(key, b"sinergi-audit-key-id", hashlib.sha256).hexdigest()[:12]


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def sign(key: bytes, anchor: dict[str, Any]) -> str:
    """HMAC-SHA256 over the canonical JSON of an anchor without its signature."""
    body = {k: v for k, v in anchor.items() if k != "sig"}
    return hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()


def every() -> int:
    """Entries between two anchors (``SINERGI_AUDIT_ANCHOR_EVERY``)."""
    return max(1, int(getattr(settings, "SINERGI_AUDIT_ANCHOR_EVERY", 1000)))


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[IO[str]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield fh
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _last_line(path: Path) -> dict[str, Any] | None:
    if not path.exists() or path.stat().st_size == 0:
        return None
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        end = fh.tell()
        block = 4096
        data = b""
        while end > 0:
            start = max(0, end - block)
            fh.seek(start)
            data = fh.read(end - start) + data
            lines = data.rstrip(b"\n").split(b"\n")
            if len(lines) > 1 or start == 0:
                line = lines[-1].strip()
                return json.loads(line) if line else None
            end = start
    return None


def _chunk(start_seq: int, start_hash: str, end_seq: int) -> list[str] | None:
    """Hash prefixes of entries start_seq+1..end_seq, after checking that they link to the
    anchored hash and to each other and that each hash is right (never anchor a broken
    chain); None when they do not."""
    from .audit import entry_hash

    prefixes: list[str] = []
    prev = start_hash
    expected = start_seq + 1
    for e in AuditEntry.objects.filter(seq__gt=start_seq, seq__lte=end_seq).order_by("seq"):
        if e.seq != expected or e.prev_hash != prev or entry_hash(e) != e.hash:
            return None
        prefixes.append(e.hash[:PREFIX])
        prev = e.hash
        expected += 1
    return prefixes if expected == end_seq + 1 else None


def _anchor(
    key: bytes, *, at: dt.datetime, from_seq: int, seq: int, head: str, hashes: list[str]
) -> dict[str, Any]:
    anchor: dict[str, Any] = {
        "v": VERSION,
        "at": at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seq": seq,
        "hash": head,
        "from_seq": from_seq,
        "hashes": hashes,
        "key_id": key_id(key),
    }
    anchor["sig"] = sign(key, anchor)
    return anchor


def anchors_write(
    *, now: dt.datetime, path: Path | None = None, force: bool = False
) -> dict[str, Any]:
    """Append anchors for entries not yet anchored, in chunks of ``every()`` entries, and one
    for the current head when the last anchor is an hour old (or ``force``)."""
    path = path or anchors_path()
    key = audit_key()
    assert key is not None  # created on demand  # noqa: S101
    size = every()
    written: list[dict[str, Any]] = []
    with _locked(path) as fh:
        last = _last_line(path)
        last_seq = int(last["seq"]) if last else 0
        last_hash = str(last["hash"]) if last else GENESIS_HASH
        last_at = (
            dt.datetime.fromisoformat(str(last["at"]).replace("Z", "+00:00")) if last else None
        )
        head = AuditHead.objects.filter(pk=1).first()
        head_seq = head.seq if head else 0
        if head_seq < last_seq:
            logger.error("audit head %s is behind the last anchor %s", head_seq, last_seq)
            return {"error": "the audit chain is shorter than its last anchor"}
        ends = list(range(last_seq + size, head_seq + 1, size))
        hourly = force or last_at is None or now - last_at >= HOURLY
        if hourly and (not ends or ends[-1] != head_seq):
            ends.append(head_seq)
        for end in ends:
            prefixes = _chunk(last_seq, last_hash, end)
            if prefixes is None:
                logger.error("audit chain does not verify after entry %s: not anchored", last_seq)
                return {"error": f"the audit chain does not verify after entry {last_seq}"}
            end_hash = (
                AuditEntry.objects.values_list("hash", flat=True).get(seq=end)
                if end > 0
                else GENESIS_HASH
            )
            anchor = _anchor(
                key, at=now, from_seq=last_seq + 1, seq=end, head=end_hash, hashes=prefixes
            )
            fh.write(json.dumps(anchor, sort_keys=True, separators=(",", ":")) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
            written.append(anchor)
            last_seq, last_hash = end, end_hash
    if written:
        _witness(written[-1])
    return {"written": len(written), "seq": last_seq}


def _witness(anchor: dict[str, Any]) -> None:
    url = str(getattr(settings, "SINERGI_AUDIT_WITNESS_URL", "") or "")
    if not url or _witness_sender is None:
        return
    body = {k: v for k, v in anchor.items() if k != "hashes"}
    body["entries"] = len(anchor["hashes"])
    try:
        status = _witness_sender(
            url,
            _canonical(body),
            {"Content-Type": "application/json", "X-Sinergi-Event": "audit.anchor"},
        )
    except Exception:  # the witness being down must not stop anchoring
        logger.warning("audit witness %s unreachable", url, exc_info=True)
        return
    if not 200 <= status < 300:
        logger.warning("audit witness %s answered %s", url, status)


def anchor_tick(now: dt.datetime) -> dict[str, Any]:
    """The tick job: anchor committed entries only, so inside a transaction (a caller's,
    or a test's) it waits for the commit."""
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _after_commit(now))
        return {"deferred": True}
    return anchors_write(now=now)


def _after_commit(now: dt.datetime) -> None:
    """Anchor once the entries are committed. A callback run while a transaction is still
    open (a test harness running commit callbacks early) would sign entries that may yet be
    rolled back: those wait for the next tick."""
    if connection.in_atomic_block:
        return
    anchors_write(now=now)


@dataclass(frozen=True)
class AnchorPoint:
    """One entry's hash (or its prefix) as an anchor recorded it."""

    seq: int
    hash: str
    line: int
    at: str


def anchor_points(path: Path | None = None) -> Iterator[AnchorPoint]:
    """Every anchored entry hash, in order, after checking every line's signature; raises
    AnchorError on a line that is not valid or not signed with the key."""
    path = path or anchors_path()
    if not path.exists():
        return iter(())
    key = audit_key(create=False)
    lines = 0
    with path.open(encoding="utf-8") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            lines += 1
            try:
                anchor = json.loads(raw)
            except ValueError as exc:
                raise AnchorError(f"anchor line {number} is not valid JSON") from exc
            if key is None:
                raise AnchorError(
                    "anchors exist but no key: set SINERGI_AUDIT_KEY or restore keys/audit.key"
                )
            if anchor.get("key_id") != key_id(key):
                raise AnchorError(f"anchor line {number} was signed with another key")
            if not hmac.compare_digest(str(anchor.get("sig", "")), sign(key, anchor)):
                raise AnchorError(f"anchor line {number} was altered (signature mismatch)")
    return _points(path)


def _points(path: Path) -> Iterator[AnchorPoint]:
    with path.open(encoding="utf-8") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            anchor = json.loads(raw)
            first = int(anchor["from_seq"])
            for offset, prefix in enumerate(anchor["hashes"]):
                yield AnchorPoint(first + offset, str(prefix), number, str(anchor["at"]))
            if int(anchor["seq"]) > 0:
                yield AnchorPoint(
                    int(anchor["seq"]), str(anchor["hash"]), number, str(anchor["at"])
                )
