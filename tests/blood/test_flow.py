"""The request → partial allocation → substitute → dropping flow, through the API and
through the pages, as the hospital, the unit officers and the health office."""

from __future__ import annotations

from typing import Any

from django.test import Client

from sinergi.blood.models import BloodRequest, Dropping, Movement

from .conftest import balance

NEEDED_BY = "2030-01-01T10:00:00Z"


def _request(client: Any, **over: Any) -> Any:
    data = {
        "hospital": "rsud-sanggau",
        "unit": "udd-pmi-sanggau",
        "case_number": "RM-2026-0042",
        "product": "PRC",
        "abo": "O",
        "rh": "neg",
        "quantity": 4,
        "urgency": "cito",
        "needed_by": NEEDED_BY,
    }
    return client.post("/api/v1/blood/requests", {**data, **over})


def test_api_flow_partial_allocation_and_dropping(api_as: Any, sanggau: Any) -> None:
    rsud, pmi, sekadau_officer = api_as("rsud"), api_as("pmi"), api_as("pmisekadau")
    assert balance(sanggau, "PRC", "O", "neg") == 2
    created = _request(rsud)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    # A patient's name instead of a case number is refused.
    assert _request(rsud, case_number="Budi Santoso").status_code == 422
    # Only the unit handles it; the hospital only requests; another agency does not see it.
    assert rsud.post(f"/api/v1/blood/requests/{pk}/accept").status_code == 403
    assert api_as("other_staff").get(f"/api/v1/blood/requests/{pk}").status_code == 404
    assert api_as(None).get("/api/v1/blood/requests").status_code == 401
    assert pmi.post(f"/api/v1/blood/requests/{pk}/accept").json()["status"] == "accepted"

    options = pmi.get(f"/api/v1/blood/requests/{pk}/options").json()
    # An O− recipient gets O− red cells only.
    assert [(c["abo"], c["rh"], c["in_stock"]) for c in options["cells"]] == [("O", "neg", 2)]
    # Sekadau holds 3 O− and is 75 minutes away: it comes before Pontianak.
    assert [n["unit"] for n in options["neighbours"]][:2] == [
        "udd-pmi-sekadau",
        "udd-pmi-pontianak",
    ]
    assert options["neighbours"][0]["travel_minutes"] == 75

    too_many = pmi.post(
        f"/api/v1/blood/requests/{pk}/allocate",
        {"lines": [{"abo": "O", "rh": "neg", "quantity": 3}]},
    )
    assert too_many.status_code == 422
    wrong = pmi.post(
        f"/api/v1/blood/requests/{pk}/allocate",
        {"lines": [{"abo": "O", "rh": "pos", "quantity": 1}]},
    )
    assert wrong.status_code == 422 and "abo" in wrong.json()["fields"]
    partial = pmi.post(
        f"/api/v1/blood/requests/{pk}/allocate",
        {"lines": [{"abo": "O", "rh": "neg", "quantity": 2}]},
    )
    assert partial.status_code == 200
    assert (partial.json()["status"], partial.json()["quantity_allocated"]) == ("partial", 2)
    assert balance(sanggau, "PRC", "O", "neg") == 0

    wrong_drop = pmi.post(
        f"/api/v1/blood/requests/{pk}/dropping",
        {"to_unit": "udd-pmi-sekadau", "abo": "O", "rh": "pos", "quantity": 2},
    )
    assert wrong_drop.status_code == 422  # O+ is not for an O− recipient
    drop = pmi.post(
        f"/api/v1/blood/requests/{pk}/dropping",
        {"to_unit": "udd-pmi-sekadau", "abo": "O", "rh": "neg", "quantity": 2},
    )
    assert drop.status_code == 201, drop.content
    dropping_id = drop.json()["id"]
    # Sanggau cannot send on Sekadau's behalf; Sekadau's officer does.
    assert pmi.post(f"/api/v1/blood/droppings/{dropping_id}/fulfil", {}).status_code == 403
    sent = sekadau_officer.post(f"/api/v1/blood/droppings/{dropping_id}/fulfil", {})
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    kinds = sorted(
        Movement.objects.filter(dropping_id=dropping_id).values_list("unit__slug", "kind", "delta")
    )
    assert kinds == [
        ("udd-pmi-sanggau", "received_dropping", 2),
        ("udd-pmi-sekadau", "sent_dropping", -2),
    ]
    assert balance(sanggau, "PRC", "O", "neg") == 2

    done = pmi.post(
        f"/api/v1/blood/requests/{pk}/allocate",
        {"lines": [{"abo": "O", "rh": "neg", "quantity": 2}]},
    )
    assert done.json()["status"] == "fulfilled"
    seen = rsud.get(f"/api/v1/blood/requests/{pk}").json()
    assert [(a["abo"], a["rh"], a["quantity"]) for a in seen["allocations"]] == [
        ("O", "neg", 2),
        ("O", "neg", 2),
    ]
    # The health office sees it; the public ticker never shows it.
    assert api_as("head").get(f"/api/v1/blood/requests/{pk}").status_code == 200
    assert "RM-2026-0042" not in Client().get("/darah/ticker.json").content.decode()


def test_api_substitute_rules(api_as: Any, sanggau: Any) -> None:
    rsud, pmi = api_as("rsud"), api_as("pmi")
    # AB+ wanted 8, 6 in stock: A+ is an allowed substitute for red cells.
    pk = _request(rsud, abo="AB", rh="pos", quantity=8, urgency="urgent").json()["id"]
    cells = [
        (c["abo"], c["rh"]) for c in pmi.get(f"/api/v1/blood/requests/{pk}/options").json()["cells"]
    ]
    assert cells == [("AB", "pos"), ("A", "pos"), ("B", "pos"), ("O", "pos")]
    res = pmi.post(
        f"/api/v1/blood/requests/{pk}/allocate",
        {
            "lines": [
                {"abo": "AB", "rh": "pos", "quantity": 6},
                {"abo": "A", "rh": "pos", "quantity": 2},
            ]
        },
    )
    assert res.json()["status"] == "fulfilled"
    assert [a["is_substitute"] for a in res.json()["allocations"]] == [False, True]
    # An O+ routine request may not take O− (RhD− is protected) …
    pk = _request(rsud, abo="O", rh="pos", quantity=3, urgency="routine").json()["id"]
    refused = pmi.post(
        f"/api/v1/blood/requests/{pk}/allocate",
        {"lines": [{"abo": "O", "rh": "neg", "quantity": 1}]},
    )
    assert refused.status_code == 422
    # … while a cito O+ request that O+ cannot cover may.
    pk = _request(rsud, abo="O", rh="pos", quantity=8, urgency="cito").json()["id"]
    cells = [
        (c["abo"], c["rh"]) for c in pmi.get(f"/api/v1/blood/requests/{pk}/options").json()["cells"]
    ]
    assert cells == [("O", "pos"), ("O", "neg")]
    declined = pmi.post(f"/api/v1/blood/requests/{pk}/decline", {"reason": "Stok O kritis"})
    assert declined.json()["status"] == "declined"


def test_ui_flow(client_as: Any, sanggau: Any) -> None:
    pmi, rsud, officer, head = (
        client_as("pmi"),
        client_as("rsud"),
        client_as("pmisekadau"),
        client_as("head"),
    )
    # The officer records a collection and an issue.
    page = pmi.get("/darah/udd/udd-pmi-sanggau/")
    assert page.status_code == 200 and b"c-PRC-O-neg" in page.content
    a_pos = balance(sanggau, "PRC", "A", "pos")
    r = pmi.post(
        "/darah/udd/udd-pmi-sanggau/mutasi/",
        {"kind": "collected", "product": "PRC", "abo": "A", "rh": "pos", "quantity": "4"},
    )
    assert r.status_code == 302
    r = pmi.post(
        "/darah/udd/udd-pmi-sanggau/mutasi/",
        {
            "kind": "issued",
            "product": "PRC",
            "abo": "A",
            "rh": "pos",
            "quantity": "1",
            "counterpart": "rsud-sanggau",
        },
    )
    assert r.status_code == 302
    assert balance(sanggau, "PRC", "A", "pos") == a_pos + 3
    bad = pmi.post(
        "/darah/udd/udd-pmi-sanggau/mutasi/",
        {"kind": "adjustment", "product": "PRC", "abo": "A", "rh": "pos", "quantity": "-1"},
    )
    assert bad.status_code == 422
    # Quick entry: the grid's differences become adjustments.
    r = pmi.post("/darah/udd/udd-pmi-sanggau/isian/", {"c-PRC-B-neg": "3", "reason": "Stok opname"})
    assert r.status_code == 302 and balance(sanggau, "PRC", "B", "neg") == 3
    r = pmi.post("/darah/udd/udd-pmi-sanggau/isian/", {"c-PRC-B-neg": "-3", "reason": "x"})
    assert r.status_code == 422
    # The hospital cannot touch the stock.
    assert (
        rsud.post(
            "/darah/udd/udd-pmi-sanggau/isian/", {"c-PRC-B-neg": "9", "reason": "x"}
        ).status_code
        == 403
    )

    # RSUD asks 4 O− PRC; only 2 exist.
    r = rsud.post(
        "/darah/permintaan/baru/",
        {
            "hospital": "rsud-sanggau",
            "unit": "udd-pmi-sanggau",
            "case_number": "RM-UI-7",
            "product": "PRC",
            "abo": "O",
            "rh": "neg",
            "quantity": "4",
            "urgency": "cito",
            "needed_by": "2030-01-01T10:00",
        },
    )
    assert r.status_code == 302, r.content[:2000]
    req = BloodRequest.objects.get(case_number="RM-UI-7")
    assert rsud.post(f"/darah/permintaan/{req.pk}/terima/").status_code == 403
    detail = pmi.get(f"/darah/permintaan/{req.pk}/")
    assert b"UDD PMI Sekadau" in detail.content
    assert (
        pmi.post(
            f"/darah/permintaan/{req.pk}/alokasi/", {"cell": "O:neg", "quantity": "2"}
        ).status_code
        == 302
    )
    req.refresh_from_db()
    assert (req.status, req.quantity_allocated) == ("partial", 2)
    r = pmi.post(
        f"/darah/permintaan/{req.pk}/dropping/",
        {"to_unit": "udd-pmi-sekadau", "cell": "O:neg", "quantity": "2"},
    )
    assert r.status_code == 302
    dropping = Dropping.objects.get(request=req)
    assert (
        f"/darah/dropping/{dropping.pk}/kirim/".encode()
        in officer.get("/darah/udd/udd-pmi-sekadau/").content
    )
    assert officer.post(f"/darah/dropping/{dropping.pk}/kirim/").status_code == 302
    dropping.refresh_from_db()
    assert dropping.status == "sent"
    assert (
        pmi.post(
            f"/darah/permintaan/{req.pk}/alokasi/", {"cell": "O:neg", "quantity": "2"}
        ).status_code
        == 302
    )
    req.refresh_from_db()
    assert req.status == "fulfilled"
    # The hospital sees each step; the health office sees it on the dashboard.
    seen = rsud.get(f"/darah/permintaan/{req.pk}/").content.decode()
    assert "4 / 4" in seen and "RM-UI-7" in seen
    dash = head.get("/darah/dasbor/")
    assert dash.status_code == 200 and b"PMI Kabupaten Sekadau" in dash.content
    assert client_as("other_staff").get(f"/darah/permintaan/{req.pk}/").status_code == 404
