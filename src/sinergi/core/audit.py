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

from django.db import models, transaction

from .models import GENESIS_HASH, AuditEntry, AuditHead

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


def entry_payload(e: AuditEntry) -> dict[str, Any]:
    """The fields of an entry that its hash covers, in canonical form."""
    return {
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


def entry_hash(e: AuditEntry) -> str:
    """SHA-256 over the previous hash and the canonical JSON of the entry."""
    return hashlib.sha256(e.prev_hash.encode() + _canonical(entry_payload(e))).hexdigest()


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
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            seq=head.seq + 1,
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
        head.seq = entry.seq
        head.hash = entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of walking the chain: how many entries checked and the first bad one."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    anchored: int = 0


def audit_verify(batch_size: int = 2000, *, anchors: Path | None | bool = True) -> VerifyResult:
    """Walk the whole chain in order and report the first entry that breaks it: a gap, a
    broken link, an altered entry, or (with ``anchors``, the data folder's anchor file by
    default) an entry that no longer matches the signed anchor taken of it."""
    from .anchor import AnchorError, AnchorPoint, anchor_points

    try:
        if anchors is False:
            points: Iterator[AnchorPoint] = iter(())
        else:
            points = anchor_points(anchors if isinstance(anchors, Path) else None)
    except AnchorError as exc:
        return VerifyResult(False, 0, None, str(exc))
    point = next(points, None)
    anchored = 0
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    last_pk = None
    qs = AuditEntry.objects.order_by("seq")
    while True:
        page = list(
            qs.filter(seq__gt=last_pk)[:batch_size] if last_pk is not None else qs[:batch_size]
        )
        if not page:
            break
        for e in page:
            if e.seq != expected_seq:
                return VerifyResult(
                    False,
                    checked,
                    expected_seq,
                    f"entry {expected_seq} is missing (next entry found is {e.seq})"
                    if e.seq > expected_seq
                    else f"entry {e.seq} is out of order",
                )
            if e.prev_hash != prev_hash:
                return VerifyResult(
                    False, checked, e.seq, f"entry {e.seq} does not link to entry {e.seq - 1}"
                )
            if entry_hash(e) != e.hash:
                return VerifyResult(
                    False, checked, e.seq, f"entry {e.seq} was altered (hash mismatch)"
                )
            while point is not None and point.seq < e.seq:
                point = next(points, None)
            if point is not None and point.seq == e.seq:
                anchored += 1
            while point is not None and point.seq == e.seq:
                if not e.hash.startswith(point.hash):
                    return VerifyResult(
                        False,
                        checked,
                        e.seq,
                        f"entry {e.seq} (id {e.pk}) does not match the signed anchor of "
                        f"{point.at} (anchor line {point.line}): it was rewritten after "
                        "it was anchored",
                        anchored,
                    )
                point = next(points, None)
            prev_hash = e.hash
            expected_seq += 1
            checked += 1
            last_pk = e.seq
    head = AuditHead.objects.filter(pk=1).first()
    head_seq = head.seq if head else 0
    if head_seq != checked or (head is not None and head.hash != prev_hash):
        if head_seq > checked:
            return VerifyResult(
                False, checked, checked + 1, f"entries {checked + 1}..{head_seq} are missing"
            )
        return VerifyResult(
            False, checked, head_seq + 1, "the chain head does not match the last entry"
        )
    last_anchored = None
    for rest in ([point] if point is not None else []) + list(points):
        if rest.seq > checked:
            last_anchored = rest
    if last_anchored is not None:
        return VerifyResult(
            False,
            checked,
            checked + 1,
            f"entries {checked + 1}..{last_anchored.seq} were anchored on {last_anchored.at} "
            "but are missing from the chain",
            anchored,
        )
    return VerifyResult(True, checked, anchored=anchored)
