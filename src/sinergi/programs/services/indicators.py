"""Indicators of a programme and their recorded actuals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from sinergi.core.audit import audit_record
from sinergi.core.permissions import ensure_can
from sinergi.core.services import validate_model

from ..models import Indicator, IndicatorActual, Program


@transaction.atomic
def indicator_add(
    *,
    actor: Any,
    program: Program,
    name: str,
    unit: str,
    baseline_value: Decimal,
    target_value: Decimal,
    now: dt.datetime,
) -> Indicator:
    """Add a result indicator with its baseline and target."""
    ensure_can(actor, "program.change", program)
    indicator = Indicator(
        program=program,
        name=name,
        unit=unit,
        baseline_value=baseline_value,
        target_value=target_value,
    )
    validate_model(indicator)
    indicator.save()
    audit_record(actor=actor, action="indicator.add", obj=indicator, now=now)
    return indicator


@transaction.atomic
def indicator_record(
    *,
    actor: Any,
    indicator: Indicator,
    date: dt.date,
    value: Decimal,
    now: dt.datetime,
    note: str = "",
) -> IndicatorActual:
    """Record a dated measurement of an indicator."""
    ensure_can(actor, "indicator.record", indicator)
    row = IndicatorActual(
        program=indicator.program, indicator=indicator, date=date, value=value, note=note
    )
    validate_model(row)
    row.save()
    audit_record(actor=actor, action="indicator.record", obj=row, now=now)
    return row
