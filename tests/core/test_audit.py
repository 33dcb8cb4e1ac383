"""The audit chain: written by services in the same transaction, verified end to end, and
every kind of tampering caught at the right entry, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sinergi.agencies.models import Agency
from sinergi.agencies.services import agency_update
from sinergi.cli import main as cli_main
from sinergi.core.audit import (
    audit_record,
    audit_verify,
    chain_label,
    entry_hash,
    entry_payload,
)
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.models import AuditEntry, AuditHead
from sinergi.core.permissions import SYSTEM

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def tampering() -> Iterator[None]:
    """Let the test write to the audit table as an attacker with database access would.

    On PostgreSQL the append-only trigger has to be switched off first (inside the test's
    transaction, so it comes back afterwards)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only")
    yield


def raw(sql: str, params: list[Any]) -> None:
    with connection.cursor() as c:
        c.execute(sql, params)


SANGGAU = "61.03"  # the demo's kabupaten: its chain holds most demo entries


def last_seq(chain: str = SANGGAU) -> int:
    return AuditHead.objects.get(chain=chain).seq


def position(chain_seq: int, chain: str = SANGGAU) -> int:
    """The global number (``seq``) of the entry at a position of a chain."""
    return int(AuditEntry.objects.get(chain=chain, chain_seq=chain_seq).seq)


def test_demo_chains_are_intact() -> None:
    result = audit_verify()
    assert result.ok, result.reason
    assert (
        result.checked
        == AuditEntry.objects.count()
        == sum(AuditHead.objects.values_list("seq", flat=True))
    )
    assert last_seq() > 50
    chains = {c.chain for c in result.chains}
    assert {"", SANGGAU} <= chains and len(chains) > 2
    assert all(c.ok for c in result.chains)
    assert not AuditEntry.objects.filter(chain="legacy").exists()


def test_entries_go_to_their_kabupaten_chain(now: Any) -> None:
    # One transaction each, as services write them (the test's own transaction would hold
    # the heads; see the next test).
    for region, chain in [
        ("61.03.05", "61.03"),
        ("61.03", "61.03"),
        ("61", "61"),
        ("", ""),
        ("35.78.01.1001", "35.78"),
    ]:
        before = AuditHead.objects.filter(chain=chain).values_list("seq", flat=True).first() or 0
        with transaction.atomic():
            transaction.get_connection().run_on_commit = []  # a fresh transaction's state
            entry = audit_record(
                actor=SYSTEM, action="test.chain", object_type="t", region=region, now=now
            )
        assert (entry.chain, entry.chain_seq) == (chain, before + 1)
        assert AuditHead.objects.get(chain=chain).hash == entry.hash
        previous = AuditEntry.objects.filter(chain=chain, chain_seq=before).first()
        assert entry.prev_hash == (previous.hash if previous else "0" * 64)
    numbers = list(AuditEntry.objects.order_by("id").values_list("seq", flat=True))
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert audit_verify().ok


def test_a_transaction_takes_chain_heads_in_ascending_order_only(now: Any) -> None:
    """Two transactions writing entries of two regions in opposite orders would deadlock on
    the two heads; so a transaction that holds a chain's head puts an entry of a chain
    sorting before it into the chain it holds (the entry keeps its region)."""

    def write(region: str) -> AuditEntry:
        return audit_record(
            actor=SYSTEM, action="test.cross", object_type="t", region=region, now=now
        )

    with transaction.atomic():
        transaction.get_connection().run_on_commit = []
        first = write("61.71.01")
        lower = write("61.03.02")  # "61.03" < "61.71": not locked after "61.71"
        higher = write("62.01")  # ascending: its own chain
        assert (first.chain, lower.chain, higher.chain) == ("61.71", "61.71", "62.01")
        assert (lower.region, lower.chain_seq) == ("61.03.02", first.chain_seq + 1)
    with transaction.atomic():
        transaction.get_connection().run_on_commit = []
        assert write("61.03.02").chain == "61.03"  # a new transaction starts afresh
    assert audit_verify().ok


def test_service_writes_change_and_entry_together(users: dict[str, Any], now: Any) -> None:
    agency = Agency.objects.get(slug="dinkes-sanggau")
    before_seq = last_seq()
    agency_update(actor=users["head"], agency=agency, phone="0564-20123", now=now)
    entry = AuditEntry.objects.get(chain=SANGGAU, chain_seq=before_seq + 1)
    assert entry.seq == AuditEntry.objects.order_by("-seq").values_list("seq", flat=True)[0]
    assert entry.action == "agency.update"
    assert entry.actor_username == "kadinkes"
    assert entry.actor_agency == "dinkes-sanggau"
    assert entry.region == "61.03"
    assert entry.before == {"phone": ""}
    assert entry.after["phone"] == "0564-20123"
    assert audit_verify().ok


def test_failed_service_leaves_no_entry_and_no_change(users: dict[str, Any], now: Any) -> None:
    agency = Agency.objects.get(slug="dinkes-sanggau")
    before_seq = last_seq()
    with pytest.raises(ValidationFailed) as info:
        agency_update(actor=users["head"], agency=agency, email="not-an-email", now=now)
    assert "email" in info.value.fields
    assert last_seq() == before_seq
    agency.refresh_from_db()
    assert agency.email == "dinkes@sanggau.go.id"


def bad(result: Any, chain_seq: int, chain: str = SANGGAU) -> bool:
    """The result names this position of this chain as the first bad one."""
    return (result.ok, result.first_bad_chain, result.first_bad_seq) == (
        False,
        chain,
        chain_seq,
    ) and result.reason.startswith(f"chain {chain}:")


def test_altered_entry_is_named() -> None:
    target = 10
    with tampering():
        raw(
            "UPDATE core_auditentry SET action = %s WHERE seq = %s",
            ["agency.delete", position(target)],
        )
    result = audit_verify()
    assert bad(result, target)
    assert "altered" in result.reason and f"#{position(target)}" in result.reason
    assert [c.chain for c in result.broken] == [SANGGAU]  # the other chains still verify


def test_altered_before_after_values_are_named() -> None:
    entry = AuditEntry.objects.filter(after__isnull=False).order_by("seq")[5]
    with tampering():
        AuditEntry.objects.filter(pk=entry.pk).update(after={"forged": True})
    assert bad(audit_verify(), entry.chain_seq, entry.chain)


def test_entry_moved_to_another_chain_is_named() -> None:
    with tampering():
        raw(
            "UPDATE core_auditentry SET chain = %s, chain_seq = %s WHERE seq = %s",
            ["61.04", 1, position(last_seq())],
        )
    result = audit_verify()
    assert not result.ok
    assert {c.chain for c in result.broken} == {SANGGAU, "61.04"}


def test_deleted_entry_is_named() -> None:
    with tampering():
        raw("DELETE FROM core_auditentry WHERE seq = %s", [position(20)])
    result = audit_verify()
    assert bad(result, 20)
    assert "missing" in result.reason


def test_entries_cut_from_the_end_are_noticed() -> None:
    end = last_seq()
    with tampering():
        raw("DELETE FROM core_auditentry WHERE chain = %s AND chain_seq >= %s", [SANGGAU, end - 1])
    assert bad(audit_verify(), end - 1)


def test_a_whole_chain_deleted_with_its_head_needs_the_anchors() -> None:
    """Without anchors nothing records that a chain existed; with them it is named (see
    test_anchor.py)."""
    with tampering():
        raw("DELETE FROM core_auditentry WHERE chain = %s", [SANGGAU])
        AuditHead.objects.filter(chain=SANGGAU).delete()
    assert audit_verify(anchors=False).ok


def test_inserted_entry_is_named() -> None:
    """A forged entry slipped in the middle, later entries renumbered to make room."""
    k = 30
    end = last_seq()
    with tampering():
        # Renumber from the end so the unique constraint holds at every step.
        for pos in range(end, k - 1, -1):
            raw(
                "UPDATE core_auditentry SET chain_seq = %s WHERE chain = %s AND chain_seq = %s",
                [pos + 1, SANGGAU, pos],
            )
        prev = AuditEntry.objects.get(chain=SANGGAU, chain_seq=k - 1)
        forged = AuditEntry(
            seq=10**9,
            chain=SANGGAU,
            chain_seq=k,
            at=prev.at,
            actor_username="intruder",
            region="61.03",
            action="agency.update",
            object_type="agencies.agency",
            object_id="1",
            prev_hash=prev.hash,
        )
        forged.hash = entry_hash(forged)  # a careful forger recomputes this entry's hash
        forged.save(force_insert=True)
    result = audit_verify()
    # The forged entry itself is well formed; the entry after it no longer links to it.
    assert bad(result, k + 1)


def test_appended_entry_without_head_is_noticed() -> None:
    end = last_seq()
    prev = AuditEntry.objects.get(chain=SANGGAU, chain_seq=end)
    forged = AuditEntry(
        seq=10**9,
        chain=SANGGAU,
        chain_seq=end + 1,
        at=prev.at,
        actor_username="intruder",
        action="user.create",
        prev_hash=prev.hash,
    )
    forged.hash = entry_hash(forged)
    forged.save(force_insert=True)
    assert bad(audit_verify(), end + 1)


def test_reordered_entries_are_named() -> None:
    a, b = 40, 41
    sa, sb = position(a), position(b)
    with tampering():
        raw("UPDATE core_auditentry SET chain_seq = %s WHERE seq = %s", [-1, sa])
        raw("UPDATE core_auditentry SET chain_seq = %s WHERE seq = %s", [a, sb])
        raw("UPDATE core_auditentry SET chain_seq = %s WHERE seq = %s", [b, sa])
    assert bad(audit_verify(), a)


def test_entries_written_before_the_chains_stay_a_verified_legacy_chain(now: Any) -> None:
    """What migration 0003 leaves: old entries (hashed without chain fields) in the closed
    chain "legacy", positions = their old numbers, verified as they were hashed."""
    old = []
    prev = "0" * 64
    for pos in range(1, 4):
        e = AuditEntry(
            seq=10**9 + pos,  # in a migrated log: the old number, equal to the position
            chain="legacy",
            chain_seq=pos,
            at=now,
            actor_username="system",
            action="test.old",
            prev_hash=prev,
        )
        assert "chain" not in entry_payload(e)
        e.hash = entry_hash(e)
        e.save(force_insert=True)
        prev = e.hash
        old.append(e)
    AuditHead.objects.create(chain="legacy", seq=3, hash=prev)
    result = audit_verify()
    assert result.ok, result.reason
    assert next(c for c in result.chains if c.chain == "legacy").checked == 3
    with tampering():
        raw("UPDATE core_auditentry SET action = %s WHERE seq = %s", ["x", old[1].seq])
    assert bad(audit_verify(), 2, "legacy")


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_refuses_update_and_delete() -> None:
    for sql in (
        "UPDATE core_auditentry SET action = 'x' WHERE seq = %s",
        "DELETE FROM core_auditentry WHERE seq = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            raw(sql, [AuditEntry.objects.order_by("seq")[0].seq])
    assert audit_verify().ok


def test_cli_verify_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    with tampering():
        raw(
            "UPDATE core_auditentry SET actor_username = %s WHERE seq = %s",
            ["mallory", position(7)],
        )
    assert cli_main(["audit", "verify"]) == 1
    captured = capsys.readouterr()
    assert "Audit chain 61.03 BROKEN at entry 7" in captured.err
    assert "RUSAK pada entri 7" in captured.err
    assert "  : intact" not in captured.out and "  platform: intact / utuh" in captured.out


# PostgreSQL cannot store NUL in text or JSON; the request guard refuses it at the edge.
TEXT = st.characters(codec="utf-8", exclude_characters="\x00")


REGIONS = ["", "61", "61.03", "61.03.05", "61.04.01", "35.78", "35.78.01.1001", "11.01"]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(REGIONS),
            st.dictionaries(
                st.text(TEXT, min_size=1, max_size=8),
                st.one_of(
                    st.integers(),
                    st.text(TEXT, max_size=20),
                    st.booleans(),
                    st.none(),
                    st.floats(allow_nan=False, allow_infinity=False),
                ),
                max_size=4,
            ),
        ),
        min_size=1,
        max_size=12,
    ),
    pick=st.integers(min_value=0, max_value=11),
    how=st.sampled_from(["alter", "delete", "cut-head"]),
)
def test_chain_property(
    now: Any, steps: list[tuple[str, dict[str, Any]]], pick: int, how: str
) -> None:
    """Any interleaving of entries across regions verifies, each chain on its own; altering
    or deleting any one entry, or cutting its chain's head back, is caught in that entry's
    chain at that position, and only that chain is reported."""
    with transaction.atomic():
        written = [
            audit_record(
                actor=SYSTEM,
                action=f"test.step{i}",
                object_type="test",
                object_id=str(i),
                region=region,
                before=None,
                after=payload,
                only_changes=False,
                now=now,
            )
            for i, (region, payload) in enumerate(steps)
        ]
        assert audit_verify().ok
        target = written[pick % len(written)]
        with tampering():
            if how == "alter":
                raw("UPDATE core_auditentry SET object_id = %s WHERE id = %s", ["x", target.pk])
            elif how == "delete":
                raw("DELETE FROM core_auditentry WHERE id = %s", [target.pk])
            else:
                AuditHead.objects.filter(chain=target.chain).update(
                    seq=target.chain_seq - 1, hash=target.prev_hash
                )
        result = audit_verify(anchors=False)
        # cut-head: the head now ends before the target, so the target is the first extra
        assert [c.chain for c in result.broken] == [target.chain]
        assert (result.first_bad_chain, result.first_bad_seq) == (target.chain, target.chain_seq)
        assert result.reason.startswith(f"chain {chain_label(target.chain)}:")
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    ("role", "offered"), [("leader", True), ("admin", True), ("head", False), ("staff", False)]
)
def test_the_account_menu_offers_the_audit_log_only_to_those_who_may_read_it(
    client_as: Any, role: str, offered: bool
) -> None:
    page = client_as(role).get("/akun/").content.decode()
    assert ('href="/audit/"' in page) is offered
    assert (client_as(role).get("/audit/").status_code == 200) is offered


def test_the_api_shows_each_entrys_chain_and_position(api_as: Any) -> None:
    entry = AuditEntry.objects.filter(chain=SANGGAU).order_by("-seq")[0]
    got = api_as("admin").get(f"/api/v1/audit/{entry.seq}")
    assert got.status_code == 200
    body = got.json()
    assert (body["seq"], body["chain"], body["chain_seq"]) == (
        entry.seq,
        SANGGAU,
        entry.chain_seq,
    )
    assert (
        body["prev_hash"]
        == AuditEntry.objects.get(chain=SANGGAU, chain_seq=entry.chain_seq - 1).hash
    )
