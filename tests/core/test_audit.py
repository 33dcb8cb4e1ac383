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
from sinergi.core.audit import audit_record, audit_verify, entry_hash
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


def last_seq() -> int:
    return AuditHead.objects.get(pk=1).seq


def test_demo_chain_is_intact() -> None:
    result = audit_verify()
    assert result.ok, result.reason
    assert result.checked == AuditEntry.objects.count() == last_seq() > 50


def test_service_writes_change_and_entry_together(users: dict[str, Any], now: Any) -> None:
    agency = Agency.objects.get(slug="dinkes-sanggau")
    before_seq = last_seq()
    agency_update(actor=users["head"], agency=agency, phone="0564-20123", now=now)
    entry = AuditEntry.objects.get(seq=before_seq + 1)
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


def test_altered_entry_is_named() -> None:
    target = 10
    with tampering():
        raw("UPDATE core_auditentry SET action = %s WHERE seq = %s", ["agency.delete", target])
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == target
    assert "altered" in result.reason


def test_altered_before_after_values_are_named() -> None:
    entry = AuditEntry.objects.filter(after__isnull=False).order_by("seq")[5]
    with tampering():
        AuditEntry.objects.filter(pk=entry.pk).update(after={"forged": True})
    assert audit_verify().first_bad_seq == entry.seq


def test_deleted_entry_is_named() -> None:
    with tampering():
        raw("DELETE FROM core_auditentry WHERE seq = %s", [20])
    result = audit_verify()
    assert (result.ok, result.first_bad_seq) == (False, 20)
    assert "missing" in result.reason


def test_entries_cut_from_the_end_are_noticed() -> None:
    end = last_seq()
    with tampering():
        raw("DELETE FROM core_auditentry WHERE seq >= %s", [end - 1])
    result = audit_verify()
    assert (result.ok, result.first_bad_seq) == (False, end - 1)


def test_inserted_entry_is_named() -> None:
    """A forged entry slipped in the middle, later entries renumbered to make room."""
    k = 30
    end = last_seq()
    with tampering():
        # Renumber from the end so the unique constraint holds at every step.
        for seq in range(end, k - 1, -1):
            raw("UPDATE core_auditentry SET seq = %s WHERE seq = %s", [seq + 1, seq])
        prev = AuditEntry.objects.get(seq=k - 1)
        forged = AuditEntry(
            seq=k,
            at=prev.at,
            actor_username="intruder",
            action="agency.update",
            object_type="agencies.agency",
            object_id="1",
            prev_hash=prev.hash,
        )
        forged.hash = entry_hash(forged)  # a careful forger recomputes this entry's hash
        forged.save(force_insert=True)
    result = audit_verify()
    assert not result.ok
    # The forged entry itself is well formed; the entry after it no longer links to it.
    assert result.first_bad_seq == k + 1


def test_appended_entry_without_head_is_noticed() -> None:
    end = last_seq()
    prev = AuditEntry.objects.get(seq=end)
    forged = AuditEntry(
        seq=end + 1,
        at=prev.at,
        actor_username="intruder",
        action="user.create",
        prev_hash=prev.hash,
    )
    forged.hash = entry_hash(forged)
    forged.save(force_insert=True)
    result = audit_verify()
    assert (result.ok, result.first_bad_seq) == (False, end + 1)


def test_reordered_entries_are_named() -> None:
    a, b = 40, 41
    with tampering():
        raw("UPDATE core_auditentry SET seq = %s WHERE seq = %s", [-1, a])
        raw("UPDATE core_auditentry SET seq = %s WHERE seq = %s", [a, b])
        raw("UPDATE core_auditentry SET seq = %s WHERE seq = %s", [b, -1])
    result = audit_verify()
    assert (result.ok, result.first_bad_seq) == (False, a)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_refuses_update_and_delete() -> None:
    for sql in (
        "UPDATE core_auditentry SET action = 'x' WHERE seq = 1",
        "DELETE FROM core_auditentry WHERE seq = 1",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            raw(sql, [])
    assert audit_verify().ok


def test_cli_verify_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    with tampering():
        raw("UPDATE core_auditentry SET actor_username = %s WHERE seq = %s", ["mallory", 7])
    assert cli_main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert "entry 7" in err


# PostgreSQL cannot store NUL in text or JSON; the request guard refuses it at the edge.
TEXT = st.characters(codec="utf-8", exclude_characters="\x00")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    payloads=st.lists(
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
        min_size=1,
        max_size=8,
    ),
    pick=st.integers(min_value=0, max_value=7),
)
def test_chain_property(now: Any, payloads: list[dict[str, Any]], pick: int) -> None:
    """Any sequence of entries verifies; changing any one of them is caught at that entry."""
    with transaction.atomic():
        start = last_seq()
        for i, payload in enumerate(payloads):
            audit_record(
                actor=SYSTEM,
                action=f"test.step{i}",
                object_type="test",
                object_id=str(i),
                before=None,
                after=payload,
                only_changes=False,
                now=now,
            )
        assert audit_verify().ok
        target = start + 1 + pick % len(payloads)
        with tampering():
            raw("UPDATE core_auditentry SET object_id = %s WHERE seq = %s", ["tampered", target])
        assert audit_verify().first_bad_seq == target
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
