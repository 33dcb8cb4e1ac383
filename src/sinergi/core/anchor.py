"""Signed checkpoints of the audit chains, kept outside the database.

Someone who can write the database could rewrite an audit entry and recompute every later
hash and the head; the chain alone would not show it. Anchors close that: for each chain,
every N entries and every hour the tick appends a line to ``DATA_DIR/audit-anchors.jsonl``
holding the chain, the position and hash it was anchored up to and a 64-bit prefix of the
hash of every entry of that chain since its previous anchor; every hour it then appends a
``heads`` line with every chain's anchored head and a digest over them. Each line carries an
HMAC-SHA256 with a key that is not in the database (``SINERGI_AUDIT_KEY``, else
``DATA_DIR/keys/audit.key``). ``audit verify`` compares each chain with its anchors and
names the first entry that no longer matches. Optionally each run's ``heads`` line (else its
last line) is POSTed to a witness URL outside this server.

Lines of version 1 (written before the chains were per region) have no ``chain``: they
anchor the legacy chain.
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

from .models import GENESIS_HASH, LEGACY_CHAIN, AuditEntry, AuditHead

logger = logging.getLogger(__name__)

VERSION = 2
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


def _line_chain(anchor: dict[str, Any]) -> str:
    return str(anchor["chain"]) if "chain" in anchor else LEGACY_CHAIN


def _tail(path: Path) -> list[dict[str, Any]]:
    """The lines from the last ``heads`` line to the end (the whole file when it has none),
    read backwards from the end in blocks."""
    if not path.exists() or path.stat().st_size == 0:
        return []
    found: list[dict[str, Any]] = []
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        end = fh.tell()
        rest = b""
        while end > 0:
            start = max(0, end - 65536)
            fh.seek(start)
            rest = fh.read(end - start) + rest
            lines = rest.split(b"\n")
            rest = lines[0] if start > 0 else b""
            for raw in reversed(lines[1:] if start > 0 else lines):
                if not raw.strip():
                    continue
                anchor = json.loads(raw)
                found.append(anchor)
                if anchor.get("kind") == "heads":
                    return found[::-1]
            end = start
    return found[::-1]


def _anchored(path: Path) -> tuple[dict[str, tuple[int, str]], dt.datetime | None]:
    """Each chain's last anchored position and hash, and when the last ``heads`` line was
    written (None when there is none yet)."""
    state: dict[str, tuple[int, str]] = {}
    heads_at = None
    for anchor in _tail(path):
        if anchor.get("kind") == "heads":
            state = {str(c): (int(v[0]), str(v[1])) for c, v in anchor["heads"].items()}
            heads_at = dt.datetime.fromisoformat(str(anchor["at"]).replace("Z", "+00:00"))
        else:
            state[_line_chain(anchor)] = (int(anchor["seq"]), str(anchor["hash"]))
    return state, heads_at


def _chunk(chain: str, start_seq: int, start_hash: str, end_seq: int) -> list[str] | None:
    """Hash prefixes of the chain's entries start_seq+1..end_seq, after checking that they
    link to the anchored hash and to each other and that each hash is right (never anchor a
    broken chain); None when they do not."""
    from .audit import entry_hash

    prefixes: list[str] = []
    prev = start_hash
    expected = start_seq + 1
    for e in AuditEntry.objects.filter(
        chain=chain, chain_seq__gt=start_seq, chain_seq__lte=end_seq
    ).order_by("chain_seq"):
        if e.chain_seq != expected or e.prev_hash != prev or entry_hash(e) != e.hash:
            return None
        prefixes.append(e.hash[:PREFIX])
        prev = e.hash
        expected += 1
    return prefixes if expected == end_seq + 1 else None


def _stamp(key: bytes, at: dt.datetime, body: dict[str, Any]) -> dict[str, Any]:
    anchor: dict[str, Any] = {
        "v": VERSION,
        "at": at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **body,
        "key_id": key_id(key),
    }
    anchor["sig"] = sign(key, anchor)
    return anchor


def heads_digest(heads: dict[str, list[Any]]) -> str:
    """SHA-256 over the canonical JSON of every chain's anchored [position, hash]."""
    return hashlib.sha256(_canonical(heads)).hexdigest()


def anchors_write(
    *, now: dt.datetime, path: Path | None = None, force: bool = False
) -> dict[str, Any]:
    """For each chain, append anchors for entries not yet anchored, in chunks of
    ``every()`` entries; when the last ``heads`` line is an hour old (or ``force``), anchor
    every chain up to its head and append a ``heads`` line of all chains."""
    path = path or anchors_path()
    key = audit_key()
    assert key is not None  # created on demand  # noqa: S101
    size = every()
    written: list[dict[str, Any]] = []
    with _locked(path) as fh:

        def append(anchor: dict[str, Any]) -> None:
            fh.write(json.dumps(anchor, sort_keys=True, separators=(",", ":")) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
            written.append(anchor)

        state, heads_at = _anchored(path)
        hourly = force or heads_at is None or now - heads_at >= HOURLY
        heads = dict(AuditHead.objects.values_list("chain", "seq"))
        for chain, (seq, _hash) in sorted(state.items()):
            if seq > heads.get(chain, 0):
                name = chain or "platform"
                logger.error("audit chain %s: head is behind its last anchor %s", name, seq)
                return {"error": f"the audit chain {name} is shorter than its last anchor"}
        for chain, head_seq in sorted(heads.items()):
            last_seq, last_hash = state.get(chain, (0, GENESIS_HASH))
            ends = list(range(last_seq + size, head_seq + 1, size))
            if hourly and head_seq > last_seq and (not ends or ends[-1] != head_seq):
                ends.append(head_seq)
            for end in ends:
                prefixes = _chunk(chain, last_seq, last_hash, end)
                if prefixes is None:
                    name = chain or "platform"
                    logger.error("audit chain %s does not verify after entry %s", name, last_seq)
                    return {
                        "error": f"the audit chain {name} does not verify after entry {last_seq}"
                    }
                end_hash = AuditEntry.objects.values_list("hash", flat=True).get(
                    chain=chain, chain_seq=end
                )
                body = {
                    "chain": chain,
                    "from_seq": last_seq + 1,
                    "seq": end,
                    "hash": end_hash,
                    "hashes": prefixes,
                }
                append(_stamp(key, now, body))
                last_seq, last_hash = end, end_hash
            state[chain] = (last_seq, last_hash)
        if hourly:
            all_heads = {c: [seq, h] for c, (seq, h) in sorted(state.items())}
            append(
                _stamp(
                    key,
                    now,
                    {"kind": "heads", "heads": all_heads, "digest": heads_digest(all_heads)},
                )
            )
    if written:
        _witness(written[-1])
    return {
        "written": len(written),
        "chains": len(state),
        "entries": sum(seq for seq, _h in state.values()),
    }


def _witness(anchor: dict[str, Any]) -> None:
    url = str(getattr(settings, "SINERGI_AUDIT_WITNESS_URL", "") or "")
    if not url or _witness_sender is None:
        return
    if anchor.get("kind") == "heads":  # the digest stands for every chain's head
        body = {k: v for k, v in anchor.items() if k != "heads"}
        body["chains"] = len(anchor["heads"])
    else:
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
    """One entry's hash (or its prefix) as an anchor recorded it; ``seq`` is the entry's
    position in its chain."""

    seq: int
    hash: str
    line: int
    at: str


@dataclass(frozen=True)
class _Record:
    first: int  # position of the first prefix
    prefixes: str  # the 16-character prefixes, joined
    seq: int  # the anchored position (0: nothing)
    hash: str
    line: int
    at: str


class AnchorIndex:
    """Every chain's anchors, in file order (which is position order within a chain),
    kept compactly: about 16 bytes per anchored entry."""

    def __init__(self) -> None:
        self._records: dict[str, list[_Record]] = {}

    def add(self, chain: str, record: _Record) -> None:
        self._records.setdefault(chain, []).append(record)

    def chains(self) -> list[str]:
        """Chains with an anchor of at least one entry."""
        return [c for c, rs in self._records.items() if any(r.seq > 0 for r in rs)]

    def points(self, chain: str) -> Iterator[AnchorPoint]:
        """The chain's anchored hashes, in order."""
        for r in self._records.get(chain, []):
            for offset in range(len(r.prefixes) // PREFIX):
                prefix = r.prefixes[offset * PREFIX : (offset + 1) * PREFIX]
                yield AnchorPoint(r.first + offset, prefix, r.line, r.at)
            if r.seq > 0:
                yield AnchorPoint(r.seq, r.hash, r.line, r.at)


def anchor_index(path: Path | None = None) -> AnchorIndex:
    """Every anchored entry hash of every chain, after checking every line's signature;
    raises AnchorError on a line that is not valid or not signed with the key."""
    path = path or anchors_path()
    index = AnchorIndex()
    if not path.exists():
        return index
    key = audit_key(create=False)
    with path.open(encoding="utf-8") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
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
            at = str(anchor["at"])
            try:
                if anchor.get("kind") == "heads":
                    for chain, (seq, head) in anchor["heads"].items():
                        index.add(str(chain), _Record(0, "", int(seq), str(head), number, at))
                else:
                    record = _Record(
                        int(anchor["from_seq"]),
                        "".join(str(p) for p in anchor["hashes"]),
                        int(anchor["seq"]),
                        str(anchor["hash"]),
                        number,
                        at,
                    )
                    index.add(_line_chain(anchor), record)
            except (KeyError, TypeError, ValueError) as exc:
                raise AnchorError(f"anchor line {number} is not a valid anchor") from exc
    return index
