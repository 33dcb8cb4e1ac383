"""Signed anchors of the audit chain: a database superuser who rewrites an entry and
recomputes every later hash and the head fools the chain, but not the anchors."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from sinergi.cli import main as cli_main
from sinergi.core.anchor import (
    _anchored,
    _tail,
    anchor_tick,
    anchors_write,
    audit_key,
    heads_digest,
    key_id,
    sign,
)
from sinergi.core.audit import audit_record, audit_verify, entry_hash
from sinergi.core.models import AuditEntry, AuditHead
from sinergi.core.permissions import SYSTEM
from tests.conftest import NOW
from tests.core.test_audit import SANGGAU, raw, tampering

pytestmark = pytest.mark.django_db


@pytest.fixture
def anchors(settings: Any, tmp_path: Path) -> Path:
    """A data folder of the test's own with its key file, and the anchor file in it."""
    settings.DATA_DIR = tmp_path
    settings.SINERGI_AUDIT_KEY = ""
    settings.SINERGI_AUDIT_ANCHOR_EVERY = 1000
    settings.SINERGI_AUDIT_WITNESS_URL = ""
    return tmp_path / "audit-anchors.jsonl"


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def chunks(path: Path, chain: str = SANGGAU) -> list[dict[str, Any]]:
    return [a for a in lines(path) if a.get("chain") == chain]


def rewrite_and_rehash(chain_seq: int, chain: str = SANGGAU) -> AuditEntry:
    """What a superuser would do: change one entry, then recompute its hash, every later
    entry's link and hash in its chain, and the chain's head, so that the chain verifies
    again."""
    mine = AuditEntry.objects.filter(chain=chain)
    with tampering():
        mine.filter(chain_seq=chain_seq).update(after={"status": "closed", "forged": True})
        prev = mine.get(chain_seq=chain_seq - 1).hash
        for e in mine.filter(chain_seq__gte=chain_seq).order_by("chain_seq"):
            e.prev_hash = prev
            e.hash = entry_hash(e)
            raw(
                "UPDATE core_auditentry SET prev_hash = %s, hash = %s WHERE id = %s",
                [e.prev_hash, e.hash, e.pk],
            )
            prev = e.hash
        AuditHead.objects.filter(chain=chain).update(hash=prev)
    return mine.get(chain_seq=chain_seq)


def test_rewrite_and_rehash_is_named_by_the_anchor(
    anchors: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    heads = dict(AuditHead.objects.values_list("chain", "seq"))
    head = heads[SANGGAU]
    result = anchors_write(now=NOW, path=anchors, force=True)
    per_chain = sum(h // 1000 + 1 for h in heads.values())
    assert result == {
        "written": per_chain + 1,
        "chains": len(heads),
        "entries": sum(heads.values()),
    }
    assert [a["seq"] for a in chunks(anchors)] == [*range(1000, head, 1000), head]
    last = lines(anchors)[-1]
    assert last["kind"] == "heads" and last["heads"][SANGGAU][0] == head
    assert last["digest"] == heads_digest(last["heads"])
    ok = audit_verify()
    assert ok.ok and ok.anchored >= sum(heads.values()), ok.reason

    victim = rewrite_and_rehash(head - 700)
    assert audit_verify(anchors=False).ok  # the chain alone is fooled
    found = audit_verify()
    assert not found.ok
    assert (found.first_bad_chain, found.first_bad_seq) == (SANGGAU, victim.chain_seq)
    assert (
        f"entry {victim.chain_seq} of chain {SANGGAU} (#{victim.seq}, id {victim.pk}) "
        "does not match the signed anchor" in found.reason
    )

    assert cli_main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"Audit chain {SANGGAU} BROKEN at entry {victim.chain_seq}" in err
    assert f"(#{victim.seq}, id {victim.pk})" in err


def test_anchors_come_every_n_entries_and_every_hour(anchors: Path, settings: Any) -> None:
    settings.SINERGI_AUDIT_ANCHOR_EVERY = 500
    head = AuditHead.objects.get(chain=SANGGAU).seq
    anchors_write(now=NOW, path=anchors)
    first = chunks(anchors)
    assert [a["seq"] for a in first][-1] == head  # hourly: up to the head, then the heads
    assert len(first) == head // 500 + (1 if head % 500 else 0)
    assert lines(anchors)[-1]["kind"] == "heads"
    count = len(lines(anchors))
    assert anchors_write(now=NOW + dt.timedelta(minutes=59), path=anchors)["written"] == 0
    audit_record(actor=SYSTEM, action="test.one", object_type="t", region="61.03.01", now=NOW)
    later = anchors_write(now=NOW + dt.timedelta(minutes=61), path=anchors)
    # the new entry's chunk, then the hourly heads line with every chain's head
    assert later["written"] == 2 and len(lines(anchors)) == count + 2
    new = lines(anchors)[-2]
    assert (new["chain"], new["from_seq"], new["seq"]) == (SANGGAU, head + 1, head + 1)
    assert lines(anchors)[-1]["heads"][SANGGAU][0] == head + 1
    assert audit_verify().ok


def test_an_edited_anchor_or_another_key_is_refused(anchors: Path, settings: Any) -> None:
    anchors_write(now=NOW, path=anchors, force=True)
    text = anchors.read_text()
    first = json.loads(text.splitlines()[0])
    first["hashes"][0] = "0" * 16
    anchors.write_text(json.dumps(first) + "\n" + "\n".join(text.splitlines()[1:]) + "\n")
    edited = audit_verify()
    assert not edited.ok and "anchor line 1 was altered" in edited.reason

    anchors.write_text(text)
    settings.SINERGI_AUDIT_KEY = "a-different-key"
    other = audit_verify()
    assert not other.ok and "another key" in other.reason


def test_anchored_entries_cut_off_are_noticed(anchors: Path) -> None:
    anchors_write(now=NOW, path=anchors, force=True)
    end = AuditHead.objects.get(chain=SANGGAU).seq
    with tampering():
        raw(
            "DELETE FROM core_auditentry WHERE chain = %s AND chain_seq > %s",
            [SANGGAU, end - 5],
        )
        last = AuditEntry.objects.get(chain=SANGGAU, chain_seq=end - 5)
        AuditHead.objects.filter(chain=SANGGAU).update(seq=last.chain_seq, hash=last.hash)
    assert audit_verify(anchors=False).ok
    result = audit_verify()
    assert (result.ok, result.first_bad_chain, result.first_bad_seq) == (False, SANGGAU, end - 4)
    assert "were anchored" in result.reason
    # the next anchor run refuses to go on from a chain shorter than its anchors
    assert "shorter than its last anchor" in anchors_write(now=NOW, path=anchors)["error"]


def test_an_anchored_chain_deleted_whole_is_noticed(anchors: Path) -> None:
    anchors_write(now=NOW, path=anchors, force=True)
    with tampering():
        raw("DELETE FROM core_auditentry WHERE chain = %s", ["61.71"])
        AuditHead.objects.filter(chain="61.71").delete()
    assert audit_verify(anchors=False).ok
    result = audit_verify()
    assert (result.ok, result.first_bad_chain, result.first_bad_seq) == (False, "61.71", 1)
    assert "were anchored" in result.reason


def test_anchors_of_the_single_chain_still_verify_the_legacy_chain(anchors: Path) -> None:
    """An anchor file written before the chains were per region (version 1 lines, no
    ``chain``) anchors the legacy chain; new lines follow it in the same file."""
    prev = "0" * 64
    for pos in range(1, 4):
        e = AuditEntry(
            seq=10**9 + pos,
            chain="legacy",
            chain_seq=pos,
            at=NOW,
            actor_username="system",
            action="test.old",
            prev_hash=prev,
        )
        e.hash = entry_hash(e)
        e.save(force_insert=True)
        prev = e.hash
    AuditHead.objects.create(chain="legacy", seq=3, hash=prev)
    key = audit_key()
    assert key is not None
    old = {
        "v": 1,
        "at": "2026-01-01T00:00:00Z",
        "seq": 3,
        "hash": prev,
        "from_seq": 1,
        "hashes": [
            h[:16]
            for h in AuditEntry.objects.filter(chain="legacy")
            .order_by("chain_seq")
            .values_list("hash", flat=True)
        ],
        "key_id": key_id(key),
    }
    old["sig"] = sign(key, old)
    anchors.write_text(json.dumps(old) + "\n")
    anchors_write(now=NOW, path=anchors, force=True)
    assert not [a for a in lines(anchors)[1:] if a.get("chain") == "legacy"]  # up to date
    result = audit_verify()
    assert result.ok, result.reason
    assert next(c for c in result.chains if c.chain == "legacy").anchored == 3
    victim = rewrite_and_rehash(2, "legacy")
    result = audit_verify()
    assert (result.first_bad_chain, result.first_bad_seq) == ("legacy", victim.chain_seq)


def test_key_file_is_private_and_tick_waits_for_commit(anchors: Path) -> None:
    key = audit_key()
    path = anchors.parent / "keys" / "audit.key"
    assert key and path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert audit_key() == key  # created once
    # Inside a transaction (here the test's) the tick job only anchors after the commit.
    with transaction.atomic():
        assert anchor_tick(NOW) == {"deferred": True}
    assert not anchors.exists()


def test_commit_callbacks_run_early_sign_nothing(
    anchors: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """A harness running commit callbacks inside the (test's) transaction must not anchor
    entries that are then rolled back: the next verify would call them missing."""
    with django_capture_on_commit_callbacks(execute=True):
        assert anchor_tick(NOW) == {"deferred": True}
    assert not anchors.exists()


@pytest.fixture
def witness() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"event": self.headers["X-Sinergi-Event"], **json.loads(body)})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/saksi", received
    finally:
        server.shutdown()
        server.server_close()


def test_the_witness_receives_the_signed_head(
    anchors: Path, settings: Any, witness: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = witness
    settings.SINERGI_AUDIT_WITNESS_URL = url
    anchors_write(now=NOW, path=anchors, force=True)
    last = lines(anchors)[-1]
    assert len(received) == 1
    got = received[0]
    assert got["event"] == "audit.anchor"
    assert got["kind"] == "heads"  # the digest of every chain's head
    assert (got["digest"], got["sig"]) == (last["digest"], last["sig"])
    assert got["chains"] == len(last["heads"]) and "heads" not in got


def test_the_next_run_reads_back_only_to_the_last_heads_line(tmp_path: Path) -> None:
    """The file is read backwards in 64 KB blocks up to the last ``heads`` line (the whole
    file when there is none), whatever line crosses a block boundary."""
    path = tmp_path / "a.jsonl"
    filler = "x" * 97
    rows = [{"chain": "61.03", "seq": i, "hash": f"{i:064x}", "pad": filler} for i in range(3000)]
    rows.insert(1700, {"kind": "heads", "at": "2026-12-07T00:00:00Z", "heads": {"": [4, "a"]}})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert path.stat().st_size > 4 * 65536
    tail = _tail(path)
    assert tail == rows[1700:]
    state, at = _anchored(path)
    assert state == {"": (4, "a"), "61.03": (2999, f"{2999:064x}")}
    assert at is not None
    path.write_text("".join(json.dumps(r) + "\n" for r in rows[1701:]))
    assert _tail(path) == rows[1701:]
