"""Programs: permissions, schedule recomputation, attribution, Gantt, UI and API flows."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from sinergi.core.exceptions import Forbidden, NotFound, ValidationFailed

SPAM = "SPAM-SANGGAU-2026"
STUNTING = "STUNTING-2026"
API = f"/api/v1/programs/{SPAM}"
SVG = "{http://www.w3.org/2000/svg}"


def _user(name: str) -> Any:
    from sinergi.accounts.models import User

    return User.objects.get(username=name)


def _program(code: str = SPAM) -> Any:
    from sinergi.programs.models import Program

    return Program.objects.get(code=code)


def _item(wbs: str, code: str = SPAM) -> Any:
    from sinergi.programs.models import WorkItem

    return WorkItem.objects.get(program__code=code, wbs=wbs)


# --- permissions ---------------------------------------------------------------------


@pytest.mark.django_db
def test_internal_program_is_hidden_from_other_agencies(client_as: Any, api_as: Any) -> None:
    # Dinas PUPR takes no part in the stunting program: 404, not 403.
    assert client_as("pupr").get(f"/program/{STUNTING}/").status_code == 404
    assert api_as("pupr").get(f"/api/v1/programs/{STUNTING}").status_code == 404
    codes = [p["code"] for p in api_as("pupr").get("/api/v1/programs").json()["items"]]
    assert SPAM in codes and STUNTING not in codes
    # A partner (Dinas Kesehatan) and the region's leader see it.
    assert client_as("head").get(f"/program/{STUNTING}/").status_code == 200
    assert api_as("leader").get(f"/api/v1/programs/{STUNTING}/schedule").status_code == 200
    assert api_as(None).get(f"/api/v1/programs/{STUNTING}").status_code == 401


@pytest.mark.django_db
def test_public_program_is_read_only_for_others(api_as: Any) -> None:
    assert api_as("staff").get(API).status_code == 200
    r = api_as("staff").post(
        f"{API}/work-items", {"wbs": "9.1", "title": "X", "owner": "dpupr-sanggau", "duration": 3}
    )
    assert r.status_code == 403


@pytest.mark.django_db
def test_partner_reports_progress_on_its_own_items_only(now: dt.datetime) -> None:
    from sinergi.programs.services import progress_record, workitem_update

    kantah = _user("pertanahan")
    day = dt.date(2026, 10, 30)
    update = progress_record(
        actor=kantah,
        item=_item("2.4"),
        data_date=day,
        percent_complete=60,
        actual_start=_item("2.4").actual_start,
        now=now,
    )
    assert _item("2.4").percent_complete == 60 and update.author == kantah
    with pytest.raises(Forbidden):
        progress_record(actor=kantah, item=_item("5.1"), data_date=day, percent_complete=0, now=now)
    with pytest.raises(Forbidden):  # a partner proposes; only the coordinator changes the plan
        workitem_update(actor=kantah, item=_item("2.4"), duration=30, now=now)
    with pytest.raises(Forbidden):  # a viewer of a partner agency reports nothing
        progress_record(
            actor=_user("pengamat"), item=_item("1.1"), data_date=day, percent_complete=0, now=now
        )
    with pytest.raises(NotFound):  # invisible program
        progress_record(
            actor=_user("pupr"),
            item=_item("2", STUNTING),
            data_date=day,
            percent_complete=0,
            now=now,
        )


@pytest.mark.django_db
def test_progress_rules_name_the_field(now: dt.datetime) -> None:
    from sinergi.programs.services import progress_record

    with pytest.raises(ValidationFailed) as exc:
        progress_record(
            actor=_user("pupr"),
            item=_item("5.1"),
            data_date=dt.date(2026, 10, 30),
            percent_complete=30,
            actual_start=dt.date(2026, 10, 31),
            now=now,
        )
    assert "actual_start" in exc.value.fields


# --- schedule ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_schedule_recomputes_after_plan_and_progress_changes(now: dt.datetime) -> None:
    from sinergi.programs.scheduling import program_schedule
    from sinergi.programs.services import progress_record, workitem_update

    program = _program()
    before = program_schedule(program, now=now)
    assert before.critical_path[:2] == ["5.1", "5.3"]
    version = program.plan_version
    workitem_update(actor=_user("pupr"), item=_item("5.3"), duration=70, now=now)
    program.refresh_from_db()
    assert program.plan_version == version + 1
    after = program_schedule(program, now=now)
    assert after.finish_date > before.finish_date
    assert after.project_slip == before.project_slip + 10
    # Progress moves the forecast too: mobilisation starts.
    progress_record(
        actor=_user("pupr"),
        item=_item("5.1"),
        data_date=now.date(),
        percent_complete=20,
        actual_start=now.date(),
        now=now,
    )
    program.refresh_from_db()
    moved = program_schedule(program, now=now)
    assert moved.plan_version == version + 2
    started = next(i for i in moved.items if i.wbs == "5.1")
    assert started.actual_start == now.date() and started.percent_complete == 20


@pytest.mark.django_db
def test_cycle_is_refused_with_the_items_named(api_as: Any) -> None:
    r = api_as("admin").post(f"{API}/dependencies", {"predecessor": "6.5", "successor": "1.1"})
    assert r.status_code == 422
    message = " ".join(r.json()["fields"]["predecessor"])
    assert "1.1" in message and "6.5" in message


@pytest.mark.django_db
def test_attribution_on_the_demo_shows_land_and_the_handoff(api_as: Any) -> None:
    body = api_as("other_staff").get(f"{API}/attribution").json()
    by_agency = {a["party"]: a["days"] for a in body["by_agency"]}
    by_handoff = {a["party"]: a["days"] for a in body["by_handoff"]}
    assert by_agency.get("kantah-sanggau", 0) >= 10
    assert by_handoff.get("kantah-sanggau -> dpupr-sanggau", 0) >= 5
    assert len(body["windows"]) == 4
    # The windows add up to the movement of the finish.
    assert sum(w["movement"] for w in body["windows"]) == body["movement"]
    assert body["movement"] == sum(by_agency.values()) + sum(by_handoff.values())


@pytest.mark.django_db
def test_schedule_resource_matches_the_baseline(api_as: Any) -> None:
    body = api_as("viewer").get(f"{API}/schedule").json()
    assert body["baseline"] == "Rencana awal"
    assert body["project_slip"] > 0
    assert body["critical_path"][0] == "5.1"
    tasks = {t["wbs"]: t for t in body["tasks"]}
    assert tasks["2.3"]["finish_slip"] > 0 and tasks["5.1"]["critical"]


# --- Gantt ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("zoom", ["week", "month", "quarter"])
def test_gantt_svg_is_well_formed_with_critical_bars_and_handoffs(
    client_as: Any, zoom: str
) -> None:
    r = client_as("staff").get(f"/program/{SPAM}/gantt.svg?zoom={zoom}")
    assert r.status_code == 200 and r["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(r.content)  # noqa: S314 - our own output
    assert root.tag == f"{SVG}svg"
    bars = [e for e in root.iter() if "bar" in (e.get("class") or "").split()]
    critical = {e.get("data-wbs") for e in bars if e.get("data-critical") == "true"}
    assert {"5.1", "5.3", "6.5"} <= critical
    assert "1.3" not in critical
    handoffs = [e for e in root.iter(f"{SVG}path") if e.get("class") == "handoff"]
    assert ("2.5", "5.1") in {(e.get("data-from"), e.get("data-to")) for e in handoffs}
    assert any(e.get("class") == "baseline" for e in root.iter(f"{SVG}rect"))
    assert any(e.get("class") == "today" for e in root.iter(f"{SVG}line"))
    assert not any("style" in e.attrib for e in root.iter())


@pytest.mark.django_db
def test_gantt_page_embeds_the_chart_and_api_returns_it(client_as: Any, api_as: Any) -> None:
    page = client_as("staff").get(f"/program/{SPAM}/gantt/?zoom=week")
    assert page.status_code == 200 and b'class="gantt-wrap"' in page.content
    assert b"style=" not in page.content
    body = api_as("staff").get(f"{API}/gantt?zoom=quarter").json()
    assert body["rows"] == 28
    ET.fromstring(body["svg"])  # noqa: S314 - our own output


# --- UI and API flows -------------------------------------------------------------------


@pytest.mark.django_db
def test_coordinator_builds_a_plan_in_the_ui_and_the_partner_reports(client_as: Any) -> None:
    pupr = client_as("pupr")
    base = f"/program/{SPAM}"
    r = pupr.post(
        f"{base}/mitra/",
        {"agency": "dishub-sanggau", "mode": "multi_sectoral", "role": "Izin jalan"},
    )
    assert r.status_code == 302
    r = pupr.post(
        f"{base}/kegiatan/",
        {
            "wbs": "5.8",
            "title": "Rekomendasi galian jalan",
            "owner": "dishub-sanggau",
            "duration": "80",
        },
    )
    assert r.status_code == 302
    r = pupr.post(
        f"{base}/ketergantungan/",
        {"predecessor": "5.8", "successor": "6.4", "type": "FS", "lag": "0"},
    )
    assert r.status_code == 302
    page = pupr.get(f"{base}/").content.decode()
    assert "Rekomendasi galian jalan" in page
    # The new hand-off from Dinas Perhubungan now drives the finish.
    assert "<code>5.8</code>" in page.split('id="critical-path"')[1].split("</dd>")[0]
    assert "Dishub" in page
    # A cycle is refused and the page says which items.
    r = pupr.post(
        f"{base}/ketergantungan/",
        {"predecessor": "6.5", "successor": "5.8", "type": "FS", "lag": "0"},
    )
    follow = pupr.get(r["Location"]).content.decode()
    error = follow.split('class="message error"')[1].split("</p>")[0]
    assert "6.5" in error and "5.8" in error
    # The partner reports progress on its own item.
    kantah = client_as("pertanahan")
    item = _item("2.4")
    r = kantah.post(
        f"{base}/kegiatan/{item.pk}/progres/",
        {
            "data_date": "2026-10-30",
            "percent_complete": "70",
            "actual_start": item.actual_start.isoformat(),
            "blocker": "Menunggu tanda tangan Kakantah",
        },
    )
    assert r.status_code == 302
    assert _item("2.4").blocker == "Menunggu tanda tangan Kakantah"
    blocked = pupr.get(f"{base}/?blocked=on").content.decode()
    blocked = blocked.split('id="items-h"')[1].split('id="deps-h"')[0]
    assert "Sertifikasi tanah" in blocked and "Bangunan IPA" not in blocked
    # ...but not on Dinas PUPR's.
    other = _item("5.3")
    assert kantah.get(f"{base}/kegiatan/{other.pk}/progres/").status_code == 403


@pytest.mark.django_db
def test_baseline_take_and_compare_in_the_ui(client_as: Any) -> None:
    pupr = client_as("pupr")
    r = pupr.post(f"/program/{SPAM}/baseline/", {"name": "Revisi 1"})
    assert r.status_code == 302
    program = _program()
    assert program.baseline.name == "Revisi 1"
    page = pupr.get(f"/program/{SPAM}/baseline/").content.decode()
    assert "Revisi 1" in page and "Rencana awal" in page
    first = program.baselines.get(name="Rencana awal")
    pupr.post(f"/program/{SPAM}/baseline/", {"select": str(first.pk)})
    assert _program().baseline_id == first.pk
    assert client_as("staff").post(f"/program/{SPAM}/baseline/", {"name": "x"}).status_code == 403


@pytest.mark.django_db
def test_api_flow_from_empty_program_to_slip(api_as: Any) -> None:
    api = api_as("pupr")
    r = api.post(
        "/api/v1/programs",
        {
            "code": "JALAN-2026",
            "title": "Jalan akses IPA",
            "coordinator": "dpupr-sanggau",
            "planned_start": "2026-08-03",
            "visibility": "internal",
            "budget": "1500000000",
        },
    )
    assert r.status_code == 201, r.content
    base = "/api/v1/programs/JALAN-2026"
    assert (
        api.post(
            f"{base}/partners", {"agency": "kantah-sanggau", "mode": "multi_sectoral"}
        ).status_code
        == 201
    )
    items = [
        ("1", "Pengadaan tanah", "kantah-sanggau", 20),
        ("2", "Desain", "dpupr-sanggau", 10),
        ("3", "Konstruksi", "dpupr-sanggau", 30),
    ]
    for wbs, title, owner, days in items:
        r = api.post(
            f"{base}/work-items", {"wbs": wbs, "title": title, "owner": owner, "duration": days}
        )
        assert r.status_code == 201, r.content
    for pred in ("1", "2"):
        r = api.post(f"{base}/dependencies", {"predecessor": pred, "successor": "3"})
        assert r.status_code == 201
    deps = api.get(f"{base}/dependencies").json()
    assert [d["handoff"] for d in deps] == [True, False]
    sched = api.get(f"{base}/schedule").json()
    assert sched["critical_path"] == ["1", "3"]
    assert api.post(f"{base}/baselines", {"name": "Awal"}).status_code == 201
    # Other agencies do not see the internal program; the partner does.
    assert api_as("staff").get(base).status_code == 404
    kantah = api_as("pertanahan")
    land = next(i for i in kantah.get(f"{base}/work-items").json()["items"] if i["wbs"] == "1")
    r = kantah.post(
        f"{base}/work-items/{land['id']}/progress",
        {
            "data_date": "2026-11-02",
            "percent_complete": 10,
            "actual_start": "2026-08-03",
            "remaining_duration": 40,
        },
    )
    assert r.status_code == 201, r.content
    after = api.get(f"{base}/schedule").json()
    assert after["project_slip"] > 0
    late = api.get(f"{base}/work-items?late=true").json()["items"]
    assert {i["wbs"] for i in late} == {"1", "3"}
    mine = api_as("pertanahan").get("/api/v1/programs/my-work").json()["items"]
    assert {(m["program"], m["wbs"]) for m in mine} >= {("JALAN-2026", "1"), (SPAM, "2.4")}
    hand = api.get("/api/v1/programs/handoffs").json()
    assert any(
        h["program"] == "JALAN-2026" and h["from_agency"] == "kantah-sanggau"
        for h in hand["we_wait_for"]
    )


@pytest.mark.django_db
def test_my_work_and_handoff_pages(client_as: Any) -> None:
    page = client_as("pertanahan").get("/program/kerja-saya/").content.decode()
    assert "Sertifikasi tanah" in page and "Bangunan IPA" not in page
    page = client_as("pupr").get("/program/serah-terima/").content.decode()
    wait_for = page.split('id="wait-for"')[1].split('id="waiting"')[0]
    assert "Lahan siap bangun" in wait_for  # Dinas PUPR waits for the land


@pytest.mark.django_db
def test_commitment_fulfilment_by_the_partner(api_as: Any) -> None:
    commitments = api_as("other_staff").get(f"{API}/commitments").json()
    perumda = next(c for c in commitments if c["partner"] == "perumda-air-minum-sanggau")
    assert perumda["status"] == "partial"
    r = api_as("admin").post(
        f"{API}/commitments/{perumda['id']}/fulfilments", {"date": "2026-10-01", "amount": "4"}
    )
    assert r.status_code == 201
    after = {c["id"]: c for c in api_as("admin").get(f"{API}/commitments").json()}
    assert after[perumda["id"]]["status"] == "fulfilled"
    # Kantor Pertanahan may not record Perumda's deliveries.
    r = api_as("other_staff").post(
        f"{API}/commitments/{perumda['id']}/fulfilments", {"date": "2026-10-01", "amount": "1"}
    )
    assert r.status_code == 403


@pytest.mark.django_db
def test_audit_entries_for_plan_changes(api_as: Any) -> None:
    from sinergi.core.models import AuditEntry

    r = api_as("pupr").patch(API, {"status": "on_hold"})
    assert r.status_code == 200 and r.json()["status"] == "on_hold"
    entry = AuditEntry.objects.filter(action="program.update").order_by("-seq").first()
    assert entry is not None and entry.region == "61.03" and entry.actor_username == "pupr"
    assert json.dumps(entry.after).count("on_hold") == 1


def test_counting_calendar_agrees_with_the_engine() -> None:
    import random

    from sinergi.programs.scheduling import CALENDAR
    from sinergi.schedule import Calendar

    engine = Calendar(national="ID")
    rng = random.Random(7)
    base = dt.date(2024, 1, 1)
    for _ in range(500):
        a = base + dt.timedelta(days=rng.randrange(0, 1500))
        b = base + dt.timedelta(days=rng.randrange(0, 1500))
        assert CALENDAR.working_days_between(a, b) == engine.working_days_between(a, b)
    far = dt.date(2090, 5, 1)
    assert CALENDAR.offset(base, far) == engine.offset(base, far)


@pytest.mark.django_db
def test_partner_records_a_delivery_and_coordinator_a_measurement_in_the_ui(
    client_as: Any,
) -> None:
    from sinergi.programs.models import Commitment, Indicator

    perumda = Commitment.objects.get(
        program__code=SPAM, partnership__agency__slug="perumda-air-minum-sanggau"
    )
    page = client_as("pupr").get(f"/program/{SPAM}/").content.decode()
    assert f"/komitmen/{perumda.pk}/penuhi/" in page
    r = client_as("pupr").post(
        f"/program/{SPAM}/komitmen/{perumda.pk}/penuhi/", {"date": "2026-10-20", "amount": "4"}
    )
    assert r.status_code == 302
    perumda.refresh_from_db()
    assert perumda.status == "fulfilled" and perumda.fulfilments.count() == 2
    # Kantor Pertanahan may not record Perumda's deliveries.
    r = client_as("pertanahan").post(
        f"/program/{SPAM}/komitmen/{perumda.pk}/penuhi/", {"date": "2026-10-20", "amount": "1"}
    )
    assert r.status_code == 403
    indicator = Indicator.objects.filter(program__code=SPAM).first()
    assert indicator is not None
    r = client_as("pupr").post(
        f"/program/{SPAM}/indikator/{indicator.pk}/capaian/", {"date": "2026-10-20", "value": "63"}
    )
    assert r.status_code == 302 and indicator.actuals.filter(date="2026-10-20").exists()
