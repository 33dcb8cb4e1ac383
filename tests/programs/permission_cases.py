"""Permission matrix rows of the programs app (see tests/matrix.py).

The rows use the demo SPAM program: public, coordinated by Dinas PUPR, with Kantor
Pertanahan (the matrix's ``other_staff``) and Bappeda (the ``viewer``) as partners. The
leader (Bupati, head of the regency government above Dinas PUPR) and platform admins
change the plan; Kantor Pertanahan's staff report progress on its own work items; the
Dinas Kesehatan head and staff see the public program but change nothing.
"""

from __future__ import annotations

from typing import Any

from tests.matrix import API_READ, PUBLIC, SIGNED_IN, Case, expect, managers

CODE = "SPAM-SANGGAU-2026"
BASE = f"/program/{CODE}"
API = f"/api/v1/programs/{CODE}"
PLAN_UI = expect(403, anonymous=302, admin=302, leader=302)
PLAN_PAGE = expect(403, anonymous=302, admin=200, leader=200)
PARTNER_UI = expect(403, anonymous=302, admin=200, leader=200, other_staff=200)


def plan_api(ok: int) -> dict[str, int]:
    """Plan changes: platform admins and the leader above the coordinator."""
    return expect(403, anonymous=401, admin=ok, leader=ok)


def _objects(now: Any) -> dict[str, str]:
    from sinergi.agencies.models import Agency
    from sinergi.core.permissions import SYSTEM
    from sinergi.programs.models import Commitment, Dependency, Indicator, Program, WorkItem
    from sinergi.programs.services import program_add_partner

    program = Program.objects.get(code=CODE)
    spare = program_add_partner(
        actor=SYSTEM,
        program=program,
        agency=Agency.objects.get(slug="dishub-sanggau"),
        mode="multi_sectoral",
        role="matrix",
        now=now,
    )
    return {
        "item": str(WorkItem.objects.get(program=program, wbs="2.4").pk),
        "last": str(WorkItem.objects.get(program=program, wbs="6.5").pk),
        "dep": str(Dependency.objects.filter(program=program).first().pk),  # type: ignore[union-attr]
        "partner": str(spare.pk),
        "commitment": str(
            Commitment.objects.get(program=program, partnership__agency__slug="kantah-sanggau").pk
        ),
        "indicator": str(Indicator.objects.filter(program=program).first().pk),  # type: ignore[union-attr]
    }


def _case(route: str, method: str, url: str, expected: dict[str, int], **kw: Any) -> Case:
    return Case(route, method, url, expected, setup=_objects, **kw)


UI_CASES = [
    Case("programs:index", "get", "/program/", SIGNED_IN),
    Case("programs:create", "get", "/program/baru/", managers(200, 403, 302)),
    Case("programs:my_work", "get", "/program/kerja-saya/", SIGNED_IN),
    Case("programs:handoffs", "get", "/program/serah-terima/", SIGNED_IN),
    Case("programs:detail", "get", f"{BASE}/", SIGNED_IN),
    Case("programs:edit", "get", f"{BASE}/ubah/", PLAN_PAGE),
    Case(
        "programs:partner_add",
        "post",
        f"{BASE}/mitra/",
        PLAN_UI,
        data={"agency": "dinsos-p3akb-sanggau", "mode": "multi_sectoral", "role": "x"},
    ),
    Case(
        "programs:commitment_add",
        "post",
        f"{BASE}/komitmen/",
        PLAN_UI,
        data={
            "partner": "dlh-sanggau",
            "kind": "data",
            "description": "Data kualitas air",
            "amount": "1",
            "unit": "dataset",
            "due_date": "2026-12-01",
        },
    ),
    Case(
        "programs:indicator_add",
        "post",
        f"{BASE}/indikator/",
        PLAN_UI,
        data={"name": "Debit", "unit": "l/detik", "baseline_value": "0", "target_value": "20"},
    ),
    Case(
        "programs:item_add",
        "post",
        f"{BASE}/kegiatan/",
        PLAN_UI,
        data={"wbs": "7.1", "title": "Sosialisasi", "owner": "dpupr-sanggau", "duration": "5"},
    ),
    _case("programs:progress", "get", f"{BASE}/kegiatan/{{item}}/progres/", PARTNER_UI),
    _case(
        "programs:commitment_fulfil",
        "post",
        f"{BASE}/komitmen/{{commitment}}/penuhi/",
        expect(403, anonymous=302, admin=302, leader=302, other_staff=302),
        data={"date": "2026-10-01", "amount": "1"},
    ),
    _case(
        "programs:indicator_record",
        "post",
        f"{BASE}/indikator/{{indicator}}/capaian/",
        PLAN_UI,
        data={"date": "2026-10-01", "value": "63"},
    ),
    Case(
        "programs:dependency_add",
        "post",
        f"{BASE}/ketergantungan/",
        PLAN_UI,
        data={"predecessor": "1.3", "successor": "6.2", "type": "FS", "lag": "0"},
    ),
    Case("programs:gantt", "get", f"{BASE}/gantt/?zoom=week", SIGNED_IN),
    Case("programs:gantt_svg", "get", f"{BASE}/gantt.svg?zoom=quarter", SIGNED_IN),
    Case("programs:baselines", "get", f"{BASE}/baseline/", SIGNED_IN),
    Case("programs:export", "get", f"{BASE}/ekspor/", SIGNED_IN),
    Case("programs:import", "get", f"{BASE}/impor/", PLAN_PAGE),
]

API_CASES = [
    Case("get /api/v1/programs", "get", "/api/v1/programs", API_READ),
    Case(
        "post /api/v1/programs",
        "post",
        "/api/v1/programs",
        managers(201, 403, 401),
        data={
            "code": "MATRIX-1",
            "title": "Matrix",
            "coordinator": "dinkes-sanggau",
            "planned_start": "2026-12-01",
        },
    ),
    Case("get /api/v1/programs/my-work", "get", "/api/v1/programs/my-work", API_READ),
    Case("get /api/v1/programs/handoffs", "get", "/api/v1/programs/handoffs", API_READ),
    Case("get /api/v1/programs/{code}", "get", API, API_READ),
    Case("patch /api/v1/programs/{code}", "patch", API, plan_api(200), data={"title": "SPAM"}),
    Case("get /api/v1/programs/{code}/partners", "get", f"{API}/partners", API_READ),
    Case(
        "post /api/v1/programs/{code}/partners",
        "post",
        f"{API}/partners",
        plan_api(201),
        data={"agency": "dinsos-p3akb-sanggau", "mode": "inter_sectoral"},
    ),
    _case(
        "delete /api/v1/programs/{code}/partners/{partner_id}",
        "delete",
        f"{API}/partners/{{partner}}",
        plan_api(204),
    ),
    Case("get /api/v1/programs/{code}/commitments", "get", f"{API}/commitments", API_READ),
    Case(
        "post /api/v1/programs/{code}/commitments",
        "post",
        f"{API}/commitments",
        plan_api(201),
        data={
            "partner": "dlh-sanggau",
            "kind": "data",
            "description": "Data kualitas air",
            "amount": "1",
            "unit": "dataset",
            "due_date": "2026-12-01",
        },
    ),
    _case(
        "post /api/v1/programs/{code}/commitments/{commitment_id}/fulfilments",
        "post",
        f"{API}/commitments/{{commitment}}/fulfilments",
        expect(403, anonymous=401, admin=201, leader=201, other_staff=201),
        data={"date": "2026-10-01", "amount": "1"},
    ),
    Case("get /api/v1/programs/{code}/indicators", "get", f"{API}/indicators", API_READ),
    Case(
        "post /api/v1/programs/{code}/indicators",
        "post",
        f"{API}/indicators",
        plan_api(201),
        data={"name": "Debit", "unit": "l/detik", "baseline_value": "0", "target_value": "20"},
    ),
    _case(
        "post /api/v1/programs/{code}/indicators/{indicator_id}/actuals",
        "post",
        f"{API}/indicators/{{indicator}}/actuals",
        plan_api(201),
        data={"date": "2026-10-01", "value": "63"},
    ),
    Case(
        "get /api/v1/programs/{code}/work-items", "get", f"{API}/work-items?critical=true", API_READ
    ),
    Case(
        "post /api/v1/programs/{code}/work-items",
        "post",
        f"{API}/work-items",
        plan_api(201),
        data={"wbs": "7.1", "title": "Sosialisasi", "owner": "dpupr-sanggau", "duration": 5},
    ),
    _case(
        "get /api/v1/programs/{code}/work-items/{item_id}",
        "get",
        f"{API}/work-items/{{item}}",
        API_READ,
    ),
    _case(
        "patch /api/v1/programs/{code}/work-items/{item_id}",
        "patch",
        f"{API}/work-items/{{item}}",
        plan_api(200),
        data={"duration": 22},
    ),
    _case(
        "delete /api/v1/programs/{code}/work-items/{item_id}",
        "delete",
        f"{API}/work-items/{{last}}",
        plan_api(204),
    ),
    _case(
        "post /api/v1/programs/{code}/work-items/{item_id}/progress",
        "post",
        f"{API}/work-items/{{item}}/progress",
        expect(403, anonymous=401, admin=201, leader=201, other_staff=201),
        data={"data_date": "2026-11-02", "percent_complete": 50, "actual_start": "2026-09-01"},
    ),
    Case("get /api/v1/programs/{code}/dependencies", "get", f"{API}/dependencies", API_READ),
    Case(
        "post /api/v1/programs/{code}/dependencies",
        "post",
        f"{API}/dependencies",
        plan_api(201),
        data={"predecessor": "1.3", "successor": "6.2"},
    ),
    _case(
        "delete /api/v1/programs/{code}/dependencies/{dependency_id}",
        "delete",
        f"{API}/dependencies/{{dep}}",
        plan_api(204),
    ),
    Case("get /api/v1/programs/{code}/progress", "get", f"{API}/progress", API_READ),
    Case("get /api/v1/programs/{code}/baselines", "get", f"{API}/baselines", API_READ),
    Case(
        "post /api/v1/programs/{code}/baselines",
        "post",
        f"{API}/baselines",
        plan_api(201),
        data={"name": "Matrix", "select": False},
    ),
    Case("get /api/v1/programs/{code}/schedule", "get", f"{API}/schedule", API_READ),
    Case("get /api/v1/programs/{code}/attribution", "get", f"{API}/attribution", API_READ),
    Case("get /api/v1/programs/{code}/gantt", "get", f"{API}/gantt?zoom=week", API_READ),
    Case("get /api/v1/programs/{code}/export", "get", f"{API}/export?format=csv", API_READ),
    Case(
        "post /api/v1/programs/{code}/import",
        "post",
        f"{API}/import",
        plan_api(201),
        data={
            "format": "csv",
            "content": "wbs,title,owner,duration\n9.9,Tambahan,dpupr-sanggau,5\n",
        },
    ),
]


def _job(now: Any) -> dict[str, str]:
    from sinergi.core.permissions import SYSTEM
    from sinergi.programs.exchange import import_start
    from sinergi.programs.models import Program

    job = import_start(
        actor=SYSTEM,
        program=Program.objects.get(code=CODE),
        data=b"wbs,title,owner,duration\n9.9,Tambahan,,5\n",
        fmt="csv",
        filename="a.csv",
        now=now,
    )
    return {"job": str(job.pk)}


def _proposal(now: Any) -> dict[str, str]:
    from sinergi.accounts.models import User
    from sinergi.programs.models import Program
    from sinergi.programs.services import proposal_create

    proposal = proposal_create(
        actor=User.objects.get(username="pertanahan"),
        program=Program.objects.get(code=CODE),
        kind="change_item",
        wbs="2.4",
        duration=30,
        reason="matrix",
        now=now,
    )
    return {"proposal": str(proposal.pk)}


# Proposals are seen by the program's parties and leaders only (others get 404).
DECIDE_UI = expect(404, anonymous=302, admin=302, leader=302, other_staff=403, viewer=403)
DECIDE_API = expect(404, anonymous=401, admin=200, leader=200, other_staff=403, viewer=403)
PROPOSE_UI = expect(403, anonymous=302, admin=200, leader=200, other_staff=200)
PROPOSE_API = expect(403, anonymous=401, admin=201, leader=201, other_staff=201)

UI_CASES += [
    Case("programs:xlsx_template", "get", f"{BASE}/templat-kegiatan.xlsx", SIGNED_IN),
    Case("programs:import_job", "get", f"{BASE}/impor/{{job}}/", PLAN_PAGE, setup=_job),
    Case("programs:proposal_new", "get", f"{BASE}/usulan/", PROPOSE_UI),
    Case(
        "programs:proposal_accept",
        "post",
        f"{BASE}/usulan/{{proposal}}/terima/",
        DECIDE_UI,
        data={"note": "ok"},
        setup=_proposal,
    ),
    Case(
        "programs:proposal_reject",
        "post",
        f"{BASE}/usulan/{{proposal}}/tolak/",
        DECIDE_UI,
        data={"note": "tidak"},
        setup=_proposal,
    ),
    Case("programs_public:index", "get", "/publik/program/", PUBLIC),
    Case("programs_public:detail", "get", f"/publik/program/{CODE}/", PUBLIC),
]

API_CASES += [
    Case(
        "get /api/v1/programs/{code}/work-items.xlsx",
        "get",
        f"{API}/work-items.xlsx",
        API_READ,
    ),
    Case(
        "get /api/v1/programs/{code}/work-items-template.xlsx",
        "get",
        f"{API}/work-items-template.xlsx",
        API_READ,
    ),
    # A JSON body carries no file: refused before any permission check (tests/programs/
    # test_xlsx.py checks who may upload).
    Case(
        "post /api/v1/programs/{code}/work-items.xlsx",
        "post",
        f"{API}/work-items.xlsx",
        expect(422, anonymous=401),
        data={},
    ),
    Case(
        "get /api/v1/programs/{code}/imports/{job_id}",
        "get",
        f"{API}/imports/{{job}}",
        expect(403, anonymous=401, admin=200, leader=200),
        setup=_job,
    ),
    Case("get /api/v1/programs/{code}/proposals", "get", f"{API}/proposals", API_READ),
    Case(
        "post /api/v1/programs/{code}/proposals",
        "post",
        f"{API}/proposals",
        PROPOSE_API,
        data={"kind": "change_item", "wbs": "2.4", "duration": 30, "reason": "Cuaca"},
    ),
    Case(
        "post /api/v1/programs/{code}/proposals/{proposal_id}/accept",
        "post",
        f"{API}/proposals/{{proposal}}/accept",
        DECIDE_API,
        data={"note": "ok"},
        setup=_proposal,
    ),
    Case(
        "post /api/v1/programs/{code}/proposals/{proposal_id}/reject",
        "post",
        f"{API}/proposals/{{proposal}}/reject",
        DECIDE_API,
        data={"note": "tidak"},
        setup=_proposal,
    ),
]
