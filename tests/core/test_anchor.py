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
from sinergi.core.anchor import anchor_tick, anchors_write, audit_key
from sinergi.core.audit import audit_verify, entry_hash
from sinergi.core.models import AuditEntry, AuditHead
from tests.conftest import NOW
from tests.core.test_audit import raw, tampering

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


def rewrite_and_rehash(seq: int) -> AuditEntry:
    """What a superuser would do: change one entry, then recompute its hash, every later
    entry's link and hash, and the head, so that the chain verifies again."""
    with tampering():
        AuditEntry.objects.filter(seq=seq).update(after={"status": "closed", "forged": True})
        prev = AuditEntry.objects.get(seq=seq - 1).hash
        for e in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
            e.prev_hash = prev
            e.hash = entry_hash(e)
            raw(
                "UPDATE core_auditentry SET prev_hash = %s, hash = %s WHERE id = %s",
                [e.prev_hash, e.hash, e.pk],
            )
            prev = e.hash
        AuditHead.objects.filter(pk=1).update(hash=prev)
    return AuditEntry.objects.get(seq=seq)


def test_rewrite_and_rehash_is_named_by_the_anchor(
    anchors: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = AuditHead.objects.get(pk=1).seq
    result = anchors_write(now=NOW, path=anchors, force=True)
    assert result == {"written": head // 1000 + 1, "seq": head}
    assert [a["seq"] for a in lines(anchors)] == [*range(1000, head, 1000), head]
    ok = audit_verify()
    assert ok.ok and ok.anchored >= head, ok.reason

    victim = rewrite_and_rehash(head - 700)
    assert audit_verify(anchors=False).ok  # the chain alone is fooled
    found = audit_verify()
    assert not found.ok
    assert found.first_bad_seq == victim.seq
    assert f"entry {victim.seq} (id {victim.pk}) does not match the signed anchor" in found.reason

    assert cli_main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"BROKEN at entry {victim.seq}" in err and f"(id {victim.pk})" in err


def test_anchors_come_every_n_entries_and_every_hour(anchors: Path, settings: Any) -> None:
    settings.SINERGI_AUDIT_ANCHOR_EVERY = 500
    head = AuditHead.objects.get(pk=1).seq
    first = anchors_write(now=NOW, path=anchors)
    assert first["written"] == head // 500 + (1 if head % 500 else 0)
    assert anchors_write(now=NOW + dt.timedelta(minutes=59), path=anchors) == {
        "written": 0,
        "seq": head,
    }
    later = anchors_write(now=NOW + dt.timedelta(minutes=61), path=anchors)
    assert later["written"] == 1  # the hourly one, with no new entry: still the head
    assert lines(anchors)[-1]["hashes"] == [] and lines(anchors)[-1]["seq"] == head
    assert audit_verify().ok


def test_an_edited_anchor_or_another_key_is_refused(anchors: Path, settings: Any) -> None:
    anchors_write(now=NOW, path=anchors, force=True)
    text = anchors.read_text()
    first = json.loads(text.splitlines()[0])
    first["hashes"][3] = "0" * 16
    anchors.write_text(json.dumps(first) + "\n" + "\n".join(text.splitlines()[1:]) + "\n")
    edited = audit_verify()
    assert not edited.ok and "anchor line 1 was altered" in edited.reason

    anchors.write_text(text)
    settings.SINERGI_AUDIT_KEY = "a-different-key"
    other = audit_verify()
    assert not other.ok and "another key" in other.reason


def test_anchored_entries_cut_off_are_noticed(anchors: Path) -> None:
    anchors_write(now=NOW, path=anchors, force=True)
    end = AuditHead.objects.get(pk=1).seq
    with tampering():
        raw("DELETE FROM core_auditentry WHERE seq > %s", [end - 5])
        last = AuditEntry.objects.get(seq=end - 5)
        AuditHead.objects.filter(pk=1).update(seq=last.seq, hash=last.hash)
    assert audit_verify(anchors=False).ok
    result = audit_verify()
    assert (result.ok, result.first_bad_seq) == (False, end - 4)
    assert "were anchored" in result.reason


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
    assert (got["seq"], got["hash"], got["sig"]) == (last["seq"], last["hash"], last["sig"])
    assert got["entries"] == len(last["hashes"]) and "hashes" not in got
