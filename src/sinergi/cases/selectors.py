"""Reads of the cases app: tracking by code and factor, what an officer sees of a case,
and the public statistics."""

from __future__ import annotations

import datetime as dt
import hmac
import statistics
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from sinergi.agencies.selectors import user_memberships

from . import identity, skm
from .choices import CaseStatus, StepStatus
from .models import Case, CaseDocument, CaseStep, Rating, Service

_DUMMY = "0000000000000000"


def case_track(*, code: str, factor: str) -> Case | None:
    """The case with this tracking code whose phone or NIK ends with ``factor`` (four
    digits), or None. A missing case, a wrong code and a wrong factor cost the same work
    and give the same None, so nothing can be learnt by trying."""
    code = identity.normalize_code(code)
    factor = (factor or "").strip()[-4:]
    case = (
        Case.objects.select_related("service__front_agency__region", "version")
        .filter(code=code)
        .first()
        if identity.CODE_RE.fullmatch(code)
        else None
    )
    phone = case.phone if case is not None else _DUMMY
    nik = case.nik if case is not None else _DUMMY
    good_phone = hmac.compare_digest(phone[-4:].encode(), factor.encode().ljust(4, b"x"))
    good_nik = hmac.compare_digest(nik[-4:].encode(), factor.encode().ljust(4, b"x"))
    if case is None or not (len(factor) == 4 and factor.isdigit() and (good_phone or good_nik)):
        return None
    return case


def officer_agency_ids(user: Any) -> set[int]:
    """Agencies the user is a member of."""
    return {m.agency_id for m in user_memberships(user)}


def is_front_officer(user: Any, case: Case) -> bool:
    """Whether the user sees the whole case: a platform admin or a member of its front door."""
    return bool(user.is_superuser) or case.service.front_agency_id in officer_agency_ids(user)


def steps_for(user: Any, case: Case) -> list[CaseStep]:
    """The steps the user sees: every step for the front door; one's own started steps for
    an agency with a step."""
    steps = list(case.steps.select_related("agency", "request").order_by("position"))
    if is_front_officer(user, case):
        return steps
    mine = officer_agency_ids(user)
    return [s for s in steps if s.agency_id in mine and s.request_id is not None]


def documents_for(user: Any, case: Case) -> list[CaseDocument]:
    """The documents the user may open: all for the front door; for an agency with a step,
    those its steps need."""
    docs = list(case.documents.filter(purged_at__isnull=True))
    if is_front_officer(user, case):
        return docs
    wanted = {code for s in steps_for(user, case) for code in s.documents}
    return [d for d in docs if d.requirement in wanted]


# --- public statistics -------------------------------------------------------------------


@dataclass
class Figures:
    """Aggregates of a service or an agency: no case, no person."""

    key: str
    name: str
    filed: int = 0
    finished: int = 0
    median_days: float | None = None
    within_share: float | None = None
    skm_index: float | None = None
    skm_grade: str = ""
    ratings: int = 0


def _fill(fig: Figures, cases: list[Case], ratings: list[list[int]]) -> Figures:
    fig.filed = len(cases)
    done = [c for c in cases if c.status == CaseStatus.FINISHED and c.working_days is not None]
    fig.finished = len(done)
    if done:
        fig.median_days = float(statistics.median(c.working_days or 0 for c in done))
        fig.within_share = round(100 * sum(1 for c in done if c.within_standard) / len(done), 1)
    fig.ratings = len(ratings)
    fig.skm_index = skm.index(ratings)
    fig.skm_grade = skm.grade(fig.skm_index)
    return fig


def public_figures(
    *, since: dt.datetime | None = None
) -> tuple[list[Figures], list[Figures], Figures]:
    """Per service, per agency (front door and every agency with a step) and overall."""
    cases = list(
        Case.objects.select_related("version", "service__front_agency").only(
            "status",
            "working_days",
            "within_standard",
            "service_id",
            "version__name",
            "service__slug",
            "service__front_agency__name",
            "service__front_agency__slug",
            "filed_at",
        )
    )
    if since is not None:
        cases = [c for c in cases if c.filed_at >= since]
    ids = {c.pk for c in cases}
    ratings = {r.case_id: r.scores for r in Rating.objects.filter(case_id__in=ids)}
    services: dict[int, list[Case]] = {}
    for c in cases:
        services.setdefault(c.service_id, []).append(c)
    per_service = []
    names = {s.pk: s for s in Service.objects.select_related("current")}
    for sid, rows in sorted(services.items(), key=lambda kv: str(names[kv[0]])):
        per_service.append(
            _fill(
                Figures(key=names[sid].slug, name=str(names[sid])),
                rows,
                [ratings[c.pk] for c in rows if c.pk in ratings],
            )
        )
    agencies: dict[int, tuple[str, str, dict[int, Case]]] = {}
    for c in cases:
        fa = c.service.front_agency
        agencies.setdefault(fa.pk, (fa.slug, fa.name, {}))[2][c.pk] = c
    for step in CaseStep.objects.filter(case_id__in=ids).select_related("agency"):
        agencies.setdefault(step.agency_id, (step.agency.slug, step.agency.name, {}))
    by_case = {c.pk: c for c in cases}
    for agency_id, case_id in CaseStep.objects.filter(case_id__in=ids).values_list(
        "agency_id", "case_id"
    ):
        agencies[agency_id][2][case_id] = by_case[case_id]
    per_agency = []
    for slug, name, rows_by_pk in sorted(agencies.values(), key=lambda v: v[1]):
        rows = list(rows_by_pk.values())
        per_agency.append(
            _fill(
                Figures(key=slug, name=name),
                rows,
                [ratings[c.pk] for c in rows if c.pk in ratings],
            )
        )
    overall = _fill(Figures(key="", name=""), cases, list(ratings.values()))
    return per_service, per_agency, overall


def step_counts(case_ids: list[int]) -> dict[int, int]:
    """How many steps each case has (for lists)."""
    return dict(
        CaseStep.objects.filter(case_id__in=case_ids)
        .values("case_id")
        .annotate(n=Count("pk"))
        .values_list("case_id", "n")
    )


def cases_for(user: Any, *, status: str = "", q: str = "") -> Any:
    """Cases the user sees, newest first, optionally by status or code."""
    qs = Case.objects.visible_to(user).select_related("service", "version")
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(code__icontains=q.strip()[:30]))
    return qs


def waiting_steps(case: Case) -> list[CaseStep]:
    """Steps that ask something of the citizen."""
    return [s for s in case.steps.all() if s.status == StepStatus.WAITING_CITIZEN]
