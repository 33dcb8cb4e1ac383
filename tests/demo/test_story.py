"""The demo tells the story the product is for: cross-sector programmes across sectors,
a year of requests in which some agencies are fast and some chronically late, stuck pairs,
"bukan wewenang" forwards and escalations, and open data to publish."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from typing import Any

FAST = ("diskominfo-sanggau", "bappeda-sanggau", "disdukcapil-sanggau", "dpmptsp-sanggau")
LATE = ("kantah-sanggau", "dpupr-sanggau", "bpjn-kalbar")
STUCK_PAIRS = [
    ("dishub-sanggau", "bpjn-kalbar"),
    ("perkimtan-sanggau", "kantah-sanggau"),
    ("dlh-sanggau", "dpupr-sanggau"),
]


def test_eight_programmes_across_sectors(db: Any) -> None:
    from sinergi.programs.models import Program

    programs = list(Program.objects.prefetch_related("sectors"))
    assert len(programs) >= 8
    titles = " ".join(p.title.lower() for p in programs)
    for words in ("spam", "stunting", "sertipikasi tanah", "pengadaan tanah jalan"):
        assert words in titles, words
    sectors = {s.slug for p in programs for s in p.sectors.all()}
    assert len(sectors) >= 6
    land = Program.objects.get(code="PTSL-SANGGAU-2026")
    partners = set(land.partnerships.values_list("agency__slug", flat=True))
    assert {"kantah-sanggau", "kecamatan-kapuas"} <= partners
    assert land.coordinator.slug == "perkimtan-sanggau"


def test_a_year_of_requests_across_twenty_agencies(db: Any, now: dt.datetime) -> None:
    from sinergi.coordination.models import Request

    requests = list(Request.objects.select_related("from_agency", "to_agency"))
    first = min(r.submitted_at for r in requests)
    assert now - first >= dt.timedelta(days=330)
    assert all(r.submitted_at < now for r in requests)
    agencies = {r.from_agency.slug for r in requests} | {r.to_agency.slug for r in requests}
    assert len(agencies) >= 20
    months = {(r.submitted_at.year, r.submitted_at.month) for r in requests}
    assert len(months) >= 12


def test_fast_agencies_answer_sooner_than_late_ones(db: Any) -> None:
    from sinergi.coordination.models import Request

    days: dict[str, list[float]] = defaultdict(list)
    late: Counter[str] = Counter()
    for r in Request.objects.filter(answered_at__isnull=False).select_related("to_agency"):
        days[r.to_agency.slug].append((r.answered_at - r.submitted_at).total_seconds() / 86400)
        late[r.to_agency.slug] += bool(r.answered_late)
    fast = statistics.median(d for slug in FAST for d in days[slug])
    slow = statistics.median(d for slug in LATE for d in days[slug])
    assert fast * 2 < slow, (fast, slow)
    assert sum(late[s] for s in LATE) > sum(late[s] for s in FAST)


def test_stuck_pairs_have_several_overdue_requests(db: Any, now: dt.datetime) -> None:
    from sinergi.coordination.models import Request

    for frm, to in STUCK_PAIRS:
        overdue = Request.objects.overdue(now).filter(from_agency__slug=frm, to_agency__slug=to)
        assert overdue.count() >= 2, (frm, to)
    assert Request.objects.overdue(now).filter(escalation_level__gte=3).exists()


def test_some_requests_were_forwarded_and_some_escalated(db: Any) -> None:
    from sinergi.coordination.models import Request, RequestEvent

    forwarded = RequestEvent.objects.filter(kind="forwarded").values("request").distinct()
    assert forwarded.count() >= 6
    assert RequestEvent.objects.filter(kind="forwarded", body__icontains="bukan wewenang").count()
    escalated = RequestEvent.objects.filter(kind="escalated").values("request").distinct()
    assert escalated.count() >= 10
    assert Request.objects.filter(escalation_level__gte=2, answered_at__isnull=False).exists()


def test_twelve_public_datasets(db: Any) -> None:
    from sinergi.catalog.selectors import datasets_search

    public = datasets_search(user=None, public_only=True)
    assert public.count() >= 12
    assert public.values("publisher").distinct().count() >= 10
