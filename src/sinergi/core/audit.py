"""Writing and verifying the hash-chained audit log (DESIGN rule 3)."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction

from .models import GENESIS_HASH, LEGACY_CHAIN, AuditEntry, AuditHead

# The agencies app tells the audit log which agency a user acts for; core imports no app.
ActorAgencyResolver = Callable[[Any], str]
_actor_agency_resolver: ActorAgencyResolver | None = None


# Which regions' audit entries a user may read; None means all. Set by the agencies app.
AuditScope = Callable[[Any], "list[str] | None"]
_audit_scope: AuditScope = lambda user: None if getattr(user, "is_superuser", False) else []  # noqa: E731


def set_audit_scope(scope: AuditScope) -> None:
    """Register the function that names the regions whose audit entries a user may read."""
    global _audit_scope  # noqa: PLW0603 - a registry set once at start-up
    _audit_scope = scope


def audit_scope(user: Any) -> list[str] | None:
    """Region codes whose entries the user may read, or None for every entry."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return _audit_scope(user)


def set_actor_agency_resolver(resolver: ActorAgencyResolver) -> None:
    """Register the function that names the agency an actor acts for."""
    global _actor_agency_resolver  # noqa: PLW0603 - a registry set once at start-up
    _actor_agency_resolver = resolver


def jsonable(value: Any) -> Any:
    """Turn a field value into a JSON value that survives a database round trip unchanged."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, models.Model):
        return jsonable(value.pk)
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The audited state of a model instance: concrete fields and many-to-many keys."""
    data: dict[str, Any] = {}
    wanted = set(fields) if fields is not None else None
    for field in obj._meta.concrete_fields:
        if wanted is not None and field.name not in wanted:
            continue
        if field.name in {"password", "totp_secret", "token_hash"}:
            continue
        data[field.name] = jsonable(getattr(obj, field.attname))
    if obj.pk is not None:
        for m2m in obj._meta.many_to_many:
            if wanted is not None and m2m.name not in wanted:
                continue
            data[m2m.name] = sorted(
                jsonable(pk) for pk in getattr(obj, m2m.name).values_list("pk", flat=True)
            )
    return data


def diff(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the keys whose values changed, so the log says what changed."""
    before = before or {}
    after = after or {}
    keys = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys if k in before}, {
        k: after.get(k) for k in keys if k in after
    }


def _canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_key(region: str) -> str:
    """The audit chain of an entry of ``region``: its kabupaten/kota code (the first two
    segments, ``61.03`` for ``61.03.05``), a province code alone (``61``), or ``""`` (the
    platform chain: account events, reference loads, national agencies)."""
    return ".".join((region or "").split(".")[:2])[:20]


def chain_label(chain: str) -> str:
    """How messages name a chain."""
    if chain == "":
        return "platform"
    return chain


def entry_payload(e: AuditEntry) -> dict[str, Any]:
    """The fields of an entry that its hash covers, in canonical form. Entries of the legacy
    chain were hashed before chains existed and keep that payload."""
    payload = {
        "seq": e.seq,
        "at": jsonable(e.at),
        "actor_id": e.actor_id,
        "actor_username": e.actor_username,
        "actor_agency": e.actor_agency,
        "region": e.region,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "object_repr": e.object_repr,
        "before": e.before,
        "after": e.after,
        "prev_hash": e.prev_hash,
    }
    if e.chain != LEGACY_CHAIN:
        payload["chain"] = e.chain
        payload["chain_seq"] = e.chain_seq
    return payload


def entry_hash(e: AuditEntry) -> str:
    """SHA-256 over the previous hash and the canonical JSON of the entry."""
    return hashlib.sha256(e.prev_hash.encode() + _canonical(entry_payload(e))).hexdigest()


_pg_sequence: str | None = None


def _next_seq() -> int:
    """The entry's number across chains. PostgreSQL: the next value of the id sequence,
    taken without a lock (the entry is stored with id = seq). SQLite: one past the largest,
    writers being serialised by the IMMEDIATE transaction already."""
    global _pg_sequence  # noqa: PLW0603 - the sequence's name, looked up once
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if _pg_sequence is None:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                _pg_sequence = str(cursor.fetchone()[0])
            cursor.execute("SELECT nextval(%s)", [_pg_sequence])
        else:
            cursor.execute(
                f"SELECT MAX(COALESCE((SELECT MAX(id) FROM {table}), 0), "  # noqa: S608
                f"COALESCE((SELECT MAX(seq) FROM {table}), 0)) + 1"
            )
        return int(cursor.fetchone()[0])


class _HeldHead:
    """Marks, among the transaction's commit callbacks, a chain head it has locked: Django
    drops the callbacks of a rolled-back transaction or savepoint, and PostgreSQL releases
    that savepoint's row locks with them, so the marks are exactly the heads still held."""

    def __init__(self, chain: str) -> None:
        self.chain = chain

    def __call__(self) -> None:
        """Nothing to do at commit."""


def _held_chains() -> list[str]:
    funcs = [item[1] for item in connection.run_on_commit]  # (savepoint ids, func, robust)
    return [f.chain for f in funcs if isinstance(f, _HeldHead)]


def _chain_for(region: str) -> str:
    """The chain to append to: the region's, unless this transaction already holds the head
    of a chain that sorts after it. Heads are then always locked in ascending order, so two
    transactions that each write entries of several regions can never deadlock on them; the
    entry goes to the highest chain already held (its ``region`` still says where it
    belongs)."""
    chain = chain_key(region)
    held = _held_chains()
    if held and chain not in held and max(held) > chain:
        return max(held)
    return chain


def _locked_head(chain: str) -> AuditHead:
    """The chain's head row, locked for this transaction; created race-free on first use
    (INSERT … ON CONFLICT DO NOTHING, then lock the row whoever inserted it)."""
    head = AuditHead.objects.select_for_update().filter(chain=chain).first()
    if head is None:
        AuditHead.objects.bulk_create([AuditHead(chain=chain)], ignore_conflicts=True)
        head = AuditHead.objects.select_for_update().get(chain=chain)
    return head


def audit_record(
    *,
    actor: Any,
    action: str,
    now: dt.datetime,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    agency: str | None = None,
    region: str = "",
    only_changes: bool = True,
) -> AuditEntry:
    """Append one entry to the chain; call inside the transaction that makes the change."""
    if now.tzinfo is None:
        raise ValueError("audit_record needs an aware datetime")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        if after is None:
            after = snapshot(obj)
        region = region or str(getattr(obj, "audit_region", "") or "")
    if only_changes and before is not None and after is not None:
        before, after = diff(before, after)
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    if agency is None:
        agency = (
            _actor_agency_resolver(user)
            if (user is not None and user.pk is not None and _actor_agency_resolver)
            else ""
        )
    with transaction.atomic():
        chain = _chain_for(region)
        head = _locked_head(chain)
        if chain not in _held_chains():
            transaction.on_commit(_HeldHead(chain))
        seq = _next_seq()
        entry = AuditEntry(
            id=seq,
            seq=seq,
            chain=chain,
            chain_seq=head.seq + 1,
            at=now,
            actor_id=user.pk if user is not None else None,
            actor_username=user.get_username() if user is not None else "system",
            actor_agency=agency or "",
            region=region,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=(str(obj) if obj is not None else "")[:255],
            before=jsonable(before) if before is not None else None,
            after=jsonable(after) if after is not None else None,
            prev_hash=head.hash,
        )
        # Hash the values as they will read back from the database, not as Python holds them.
        entry.at = now.astimezone(dt.UTC)
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
        head.seq = entry.chain_seq
        head.hash = entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry


@dataclass(frozen=True)
class ChainResult:
    """Outcome of walking one chain: entries checked and the first bad position in it."""

    chain: str
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    anchored: int = 0


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of walking every chain. ``first_bad_seq`` and ``reason`` are those of the
    first broken chain (``first_bad_chain``); ``first_bad_seq`` is a position in that chain.
    ``checked`` and ``anchored`` count over all chains; ``chains`` has each chain's result."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    anchored: int = 0
    first_bad_chain: str | None = None
    chains: tuple[ChainResult, ...] = ()

    @property
    def broken(self) -> list[ChainResult]:
        """The chains that did not verify."""
        return [c for c in self.chains if not c.ok]


def _where(e: AuditEntry) -> str:
    return f"entry {e.chain_seq} of chain {chain_label(e.chain)} (#{e.seq}, id {e.pk})"


def _verify_chain(
    chain: str, head: AuditHead | None, points: Iterator[Any], batch_size: int
) -> ChainResult:
    """Walk one chain in order: gaps, broken links, altered entries, the head, anchors."""
    name = chain_label(chain)

    def bad(position: int | None, reason: str) -> ChainResult:
        return ChainResult(chain, False, checked, position, f"chain {name}: {reason}", anchored)

    point = next(points, None)
    anchored = 0
    expected = 1
    prev_hash = GENESIS_HASH
    checked = 0
    qs = AuditEntry.objects.filter(chain=chain).order_by("chain_seq")
    last: int | None = None
    while True:
        page = list((qs.filter(chain_seq__gt=last) if last is not None else qs)[:batch_size])
        if not page:
            break
        for e in page:
            if e.chain_seq != expected:
                return bad(
                    expected,
                    f"entry {expected} is missing (next entry found is {e.chain_seq})"
                    if e.chain_seq > expected
                    else f"entry {e.chain_seq} is out of order",
                )
            if e.prev_hash != prev_hash:
                return bad(e.chain_seq, f"{_where(e)} does not link to entry {e.chain_seq - 1}")
            if entry_hash(e) != e.hash:
                return bad(e.chain_seq, f"{_where(e)} was altered (hash mismatch)")
            while point is not None and point.seq < e.chain_seq:
                point = next(points, None)
            if point is not None and point.seq == e.chain_seq:
                anchored += 1
            while point is not None and point.seq == e.chain_seq:
                if not e.hash.startswith(point.hash):
                    return bad(
                        e.chain_seq,
                        f"{_where(e)} does not match the signed anchor of {point.at} "
                        f"(anchor line {point.line}): it was rewritten after it was anchored",
                    )
                point = next(points, None)
            prev_hash = e.hash
            expected += 1
            checked += 1
            last = e.chain_seq
    head_seq = head.seq if head else 0
    if head_seq != checked or (head is not None and head.hash != prev_hash):
        if head_seq > checked:
            return bad(checked + 1, f"entries {checked + 1}..{head_seq} are missing")
        return bad(head_seq + 1, "the chain head does not match the last entry")
    last_anchored = None
    for rest in ([point] if point is not None else []) + list(points):
        if rest.seq > checked:
            last_anchored = rest
    if last_anchored is not None:
        return bad(
            checked + 1,
            f"entries {checked + 1}..{last_anchored.seq} were anchored on {last_anchored.at} "
            "but are missing from the chain",
        )
    return ChainResult(chain, True, checked, anchored=anchored)


def audit_chains() -> list[str]:
    """Every chain that has a head or an entry, in order."""
    chains = set(AuditHead.objects.values_list("chain", flat=True))
    chains |= set(AuditEntry.objects.order_by().values_list("chain", flat=True).distinct())
    return sorted(chains)


def audit_verify(batch_size: int = 2000, *, anchors: Path | None | bool = True) -> VerifyResult:
    """Walk every chain in order and report, per chain, the first entry that breaks it: a
    gap, a broken link, an altered entry, entries cut off the end (the chain's head), or
    (with ``anchors``, the data folder's anchor file by default) an entry that no longer
    matches the signed anchor taken of it. A chain that was anchored but is gone from the
    database entirely (entries and head) is reported too."""
    from .anchor import AnchorError, AnchorIndex, anchor_index

    try:
        index = (
            AnchorIndex()
            if anchors is False
            else anchor_index(anchors if isinstance(anchors, Path) else None)
        )
    except AnchorError as exc:
        return VerifyResult(False, 0, None, str(exc))
    heads = {h.chain: h for h in AuditHead.objects.all()}
    chains = sorted(set(audit_chains()) | set(index.chains()))
    results = tuple(
        _verify_chain(chain, heads.get(chain), index.points(chain), batch_size) for chain in chains
    )
    checked = sum(r.checked for r in results)
    anchored = sum(r.anchored for r in results)
    first = next((r for r in results if not r.ok), None)
    if first is None:
        return VerifyResult(True, checked, anchored=anchored, chains=results)
    return VerifyResult(
        False, checked, first.first_bad_seq, first.reason, anchored, first.chain, results
    )
