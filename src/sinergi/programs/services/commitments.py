"""Commitments of partner agencies to a programme and their fulfilment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import Conflict
from sinergi.core.permissions import ensure_can
from sinergi.core.services import validate_model

from ..choices import CommitmentStatus
from ..models import Commitment, Fulfilment, Partnership


@transaction.atomic
def commitment_add(
    *,
    actor: Any,
    partnership: Partnership,
    kind: str,
    description: str,
    amount: Decimal,
    unit: str,
    due_date: dt.date,
    now: dt.datetime,
) -> Commitment:
    """Record what a partner pledges (the coordinator records it with the partner)."""
    ensure_can(actor, "program.change", partnership.program)
    commitment = Commitment(
        program=partnership.program,
        partnership=partnership,
        kind=kind,
        description=description,
        amount=amount,
        unit=unit,
        due_date=due_date,
    )
    validate_model(commitment)
    commitment.save()
    audit_record(actor=actor, action="commitment.add", obj=commitment, now=now)
    return commitment


@transaction.atomic
def commitment_fulfil(
    *,
    actor: Any,
    commitment: Commitment,
    date: dt.date,
    amount: Decimal,
    now: dt.datetime,
    note: str = "",
) -> Fulfilment:
    """Record a delivery against a commitment and update how far it is fulfilled."""
    ensure_can(actor, "commitment.fulfil", commitment)
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if commitment.status == CommitmentStatus.CANCELLED:
        raise Conflict(_("The commitment was cancelled."))
    before = snapshot(commitment)
    row = Fulfilment(program=commitment.program, commitment=commitment, date=date, amount=amount)
    row.note = note
    validate_model(row)
    row.save()
    commitment.fulfilled_amount += amount
    commitment.status = (
        CommitmentStatus.FULFILLED
        if commitment.fulfilled_amount >= commitment.amount
        else CommitmentStatus.PARTIAL
    )
    validate_model(commitment)
    commitment.save()
    audit_record(actor=actor, action="commitment.fulfil", obj=commitment, before=before, now=now)
    return row
