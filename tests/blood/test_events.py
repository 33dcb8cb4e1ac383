"""Webhooks on stock changes and donor calls, the clock of hospital requests, days of
supply over time and the FHIR R5 view of bags."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

from sinergi.blood import services
from sinergi.blood.models import Bag, BloodRequest, DonorCall, Product
from sinergi.core.exceptions import InvalidTransition
from sinergi.core.permissions import SYSTEM
from sinergi.notifications.models import Notification, Webhook, WebhookDelivery


@pytest.fixture
def hook(sanggau: Any, now: Any) -> Webhook:
    return Webhook.objects.create(
        agency=sanggau, url="https://example.invalid/hook", secret="s" * 32, created_at=now
    )


def _deliveries(event: str) -> list[dict[str, Any]]:
    return [d.payload for d in WebhookDelivery.objects.filter(event=event).order_by("pk")]


def test_stock_change_webhook_per_batch_without_patient_data(
    hook: Any, sanggau: Any, prc: Any, now: Any
) -> None:
    from sinergi.agencies.models import Agency

    services.stock_record_movement(
        actor=SYSTEM,
        unit=sanggau,
        product=prc,
        abo="O",
        rh="pos",
        kind="collected",
        quantity=3,
        now=now,
    )
    [payload] = _deliveries("blood.stock.changed")
    assert payload["event"] == "blood.stock.changed" and payload["unit"] == "udd-pmi-sanggau"
    [cell] = payload["cells"]
    assert (cell["product"], cell["abo"], cell["rh"], cell["change"]) == ("PRC", "O", "pos", 3)
    assert cell["quantity"] == 6  # 3 O+ in the demo count, plus 3
    # One batch, one event: a count touching two cells.
    services.stock_set_levels(
        actor=SYSTEM,
        unit=sanggau,
        levels={("PRC", "A", "neg"): 5, ("PRC", "B", "neg"): 4},
        reason="Stok opname",
        now=now,
    )
    batch = _deliveries("blood.stock.changed")[-1]
    assert [(c["abo"], c["rh"], c["quantity"]) for c in batch["cells"]] == [
        ("A", "neg", 5),
        ("B", "neg", 4),
    ]
    # An allocation: the unit's stock changes, the hospital and case stay out of it.
    req = services.request_create(
        actor=SYSTEM,
        hospital=Agency.objects.get(slug="rsud-sanggau"),
        unit=sanggau,
        product=prc,
        abo="B",
        rh="neg",
        quantity=2,
        urgency="cito",
        needed_by=now + dt.timedelta(hours=1),
        case_number="RM-HOOK-77",
        now=now,
    )
    services.request_allocate(actor=SYSTEM, request=req, lines=[("B", "neg", 2)], now=now)
    last = _deliveries("blood.stock.changed")[-1]
    assert last["cells"][0]["quantity"] == 2 and last["kinds"] == ["issued"]
    text = json.dumps(last)
    assert "RM-HOOK-77" not in text and "rsud" not in text.lower()
    stock = WebhookDelivery.objects.filter(webhook=hook, event="blood.stock.changed")
    assert stock.filter(status="pending").count() == 3


def test_donor_call_webhook_on_publish_and_close(hook: Any, sanggau: Any, now: Any) -> None:
    draft = services.donor_call_create(
        actor=SYSTEM,
        unit=sanggau,
        abo="O",
        rh="neg",
        product=Product.objects.get(code="PRC"),
        place="Markas PMI Sanggau",
        starts_at=now,
        ends_at=now + dt.timedelta(hours=8),
        now=now,
        draft=True,
    )
    assert _deliveries("blood.donor_call.published") == []  # a draft is not announced
    services.donor_call_publish(actor=SYSTEM, call=draft, now=now)
    services.donor_call_close(actor=SYSTEM, call=draft, now=now + dt.timedelta(hours=2))
    [published] = _deliveries("blood.donor_call.published")
    [closed] = _deliveries("blood.donor_call.closed")
    assert (published["status"], published["abo"], published["rh"]) == ("published", "O", "neg")
    assert published["place"] == "Markas PMI Sanggau" and published["product"] == "PRC"
    assert closed["status"] == "closed"
    with pytest.raises(InvalidTransition):
        services.donor_call_close(actor=SYSTEM, call=draft, now=now)


def test_public_page_shows_published_calls_only(client: Any, sanggau: Any, now: Any) -> None:
    common = {
        "actor": SYSTEM,
        "unit": sanggau,
        "product": Product.objects.get(code="PRC"),
        "starts_at": dt.datetime(2030, 1, 1, 1, tzinfo=dt.UTC),
        "ends_at": dt.datetime(2030, 1, 1, 7, tzinfo=dt.UTC),
        "now": now,
    }
    services.donor_call_create(abo="B", place="Draf Balai Desa", draft=True, **common)
    services.donor_call_create(abo="O", place="Gedung Pancasila", **common)
    page = client.get("/darah/stok/udd-pmi-sanggau/").content.decode()
    assert "Gedung Pancasila" in page and "Draf Balai Desa" not in page


def _request(sanggau: Any, urgency: str, now: Any, **over: Any) -> BloodRequest:
    from sinergi.agencies.models import Agency

    return services.request_create(
        actor=SYSTEM,
        hospital=Agency.objects.get(slug="rsud-sanggau"),
        unit=sanggau,
        product=Product.objects.get(code="PRC"),
        abo="A",
        rh="pos",
        quantity=2,
        urgency=urgency,
        needed_by=over.get("needed_by", now + dt.timedelta(days=2)),
        case_number=f"RM-CLOCK-{urgency}",
        now=now,
    )


def test_request_due_time_follows_urgency(sanggau: Any, now: Any) -> None:
    hours = {
        u: (_request(sanggau, u, now).due_at - now).total_seconds() / 3600  # type: ignore[operator]
        for u in ("cito", "urgent", "routine")
    }
    assert hours == {"cito": 1, "urgent": 4, "routine": 24}
    # Needed sooner than the target: due then, but never under 30 minutes.
    soon = _request(sanggau, "routine", now, needed_by=now + dt.timedelta(hours=3))
    assert soon.due_at == now + dt.timedelta(hours=3)
    sooner = _request(sanggau, "urgent", now, needed_by=now)
    assert sooner.due_at == now + dt.timedelta(minutes=30)


def test_overdue_requests_escalate_once_per_step(sanggau: Any, now: Any, users: Any) -> None:
    from sinergi.core.tick import run_tick

    req = _request(sanggau, "urgent", now)
    done = _request(sanggau, "cito", now)
    services.request_decline(actor=SYSTEM, request=done, reason="Stok habis", now=now)
    assert run_tick(now + dt.timedelta(hours=3))["blood.escalate_requests"]["escalated"] == 0
    step1 = now + dt.timedelta(hours=4, minutes=1)
    result = run_tick(step1)["blood.escalate_requests"]
    assert result["escalated"] == 1 and result["notified"] >= 1
    notes = Notification.objects.filter(kind="blood_overdue")
    first = set(notes.values_list("user__username", flat=True))
    assert "pmi" in first and users["head"].username not in first
    assert f"#{req.pk}" in notes.first().title  # type: ignore[union-attr]
    assert "RM-CLOCK" not in notes.first().title  # type: ignore[union-attr]
    assert run_tick(step1)["blood.escalate_requests"]["escalated"] == 0  # idempotent
    count = notes.count()
    step2 = now + dt.timedelta(hours=8, minutes=1)
    assert run_tick(step2)["blood.escalate_requests"]["escalated"] == 1
    assert users["head"].username in set(notes.values_list("user__username", flat=True))
    assert notes.count() > count
    assert run_tick(step2 + dt.timedelta(days=1))["blood.escalate_requests"]["escalated"] == 0
    req.refresh_from_db()
    assert req.escalation_step == 2


def test_days_of_supply_series_from_the_ledger(sanggau: Any, now: Any, client_as: Any) -> None:
    from sinergi.blood.selectors import daily_issue_rates, stock_cells, supply_series

    series = supply_series([sanggau], now=now, days=30)
    assert len(series["days"]) == 30 and len(series["region"]) == 30
    o = series["units"][0]["groups"]["O"]
    assert len(o) == 30 and all(v is None or v >= 0 for v in o)
    # Today's value: the red cells held now over the window's daily use.
    red = sum(
        q for (c, a, _r), q in stock_cells(sanggau).items() if c in ("WB", "PRC") and a == "O"
    )
    rate = daily_issue_rates(sanggau, now=now)[("red_cells", "O")]
    assert o[-1] == pytest.approx(red / rate, abs=0.6)
    assert len(supply_series([sanggau], now=now, days=60)["days"]) == 60
    page = client_as("head").get("/darah/dasbor/?hari=60")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<polyline") >= 5 and 'id="supply"' in html


# --- FHIR R5 ----------------------------------------------------------------------------

# Elements of BiologicallyDerivedProduct in FHIR R5 (5.0.0) and of its DomainResource base.
BDP_ELEMENTS = {
    "resourceType",
    "id",
    "meta",
    "implicitRules",
    "language",
    "text",
    "contained",
    "extension",
    "modifierExtension",
    "productCategory",
    "productCode",
    "parent",
    "request",
    "identifier",
    "biologicalSourceEvent",
    "processingFacility",
    "division",
    "productStatus",
    "expirationDate",
    "collection",
    "storageTempRequirements",
    "property",
}
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _coding(value: Any) -> None:
    assert isinstance(value, dict) and set(value) <= {"system", "version", "code", "display"}
    assert value["system"].startswith(("http://", "https://")) and value["code"]


def _codeable(value: Any) -> None:
    assert isinstance(value, dict) and set(value) <= {"coding", "text"}
    for c in value.get("coding", []):
        _coding(c)


def _identifier(value: Any) -> None:
    assert set(value) <= {"use", "type", "system", "value", "period", "assigner"}
    assert value["system"].startswith("http") and value["value"]


def check_bdp(resource: dict[str, Any]) -> None:
    """The resource against the R5 structure: known elements, cardinalities, types, the
    required bindings (productStatus) and the one required element of ``property``."""
    assert resource["resourceType"] == "BiologicallyDerivedProduct"
    assert set(resource) <= BDP_ELEMENTS, set(resource) - BDP_ELEMENTS
    assert re.match(r"^[A-Za-z0-9\-.]{1,64}$", resource["id"])
    _coding(resource["productCategory"])  # 0..1 Coding in R5
    assert resource["productCategory"]["code"] in {
        "organ",
        "tissue",
        "fluid",
        "cells",
        "biologicalAgent",
    }
    _codeable(resource["productCode"])
    for ident in resource["identifier"]:
        _identifier(ident)
    _identifier(resource["biologicalSourceEvent"])  # 0..1 Identifier
    assert isinstance(resource["processingFacility"], list)
    _coding(resource["productStatus"])
    assert resource["productStatus"]["system"] == (
        "http://hl7.org/fhir/biologicallyderived-product-status"
    )
    assert resource["productStatus"]["code"] in {"available", "unavailable"}
    assert DATETIME.match(resource["expirationDate"])
    collection = resource["collection"]
    assert set(collection) <= {"collector", "source", "collectedDateTime", "collectedPeriod"}
    assert DATETIME.match(collection["collectedDateTime"])
    if "storageTempRequirements" in resource:
        for end in resource["storageTempRequirements"].values():
            assert end["code"] == "Cel" and isinstance(end["value"], float)
    for prop in resource["property"]:
        _codeable(prop["type"])  # 1..1
        values = [k for k in prop if k.startswith("value")]
        assert len(values) == 1  # value[x] 1..1
        _codeable(prop["valueCodeableConcept"])


def test_fhir_view_of_bags(api_as: Any, sanggau: Any) -> None:
    api = api_as("pmi")
    response = api.get(
        "/api/v1/blood/fhir/BiologicallyDerivedProduct?unit=udd-pmi-sanggau&status=available"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    bundle = json.loads(response.content)
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "searchset")
    available = Bag.objects.filter(unit=sanggau, status="available").count()
    assert bundle["total"] == available == len(bundle["entry"])
    for entry in bundle["entry"]:
        assert entry["search"]["mode"] == "match"
        assert entry["fullUrl"].endswith(f"/BiologicallyDerivedProduct/{entry['resource']['id']}")
        check_bdp(entry["resource"])
    bag = Bag.objects.filter(unit=sanggau, product__code="WB").first()
    assert bag is not None
    one = json.loads(api.get(f"/api/v1/blood/fhir/BiologicallyDerivedProduct/{bag.pk}").content)
    check_bdp(one)
    assert one["biologicalSourceEvent"]["value"] == bag.donation_number
    assert one["productCode"]["coding"][0]["code"] == "WB"
    assert one["productCategory"]["code"] == "fluid"
    assert {p["valueCodeableConcept"].get("text") for p in one["property"]} >= {
        f"{bag.abo}{'+' if bag.rh == 'pos' else '-'}"
    }
    # Never public; another agency sees nothing; a bag it may not see is 404.
    assert api_as(None).get("/api/v1/blood/fhir/BiologicallyDerivedProduct").status_code == 401
    other = api_as("other_staff")
    assert (
        json.loads(other.get("/api/v1/blood/fhir/BiologicallyDerivedProduct").content)["total"] == 0
    )
    assert other.get(f"/api/v1/blood/fhir/BiologicallyDerivedProduct/{bag.pk}").status_code == 404
    page = json.loads(
        api.get(
            "/api/v1/blood/fhir/BiologicallyDerivedProduct?unit=udd-pmi-sanggau&_count=2"
        ).content
    )
    assert len(page["entry"]) == 2 and page["total"] > 2
    bad = api.get("/api/v1/blood/fhir/BiologicallyDerivedProduct?status=maybe")
    assert bad.status_code == 422


def test_donor_call_rows_default_to_published(sanggau: Any, now: Any) -> None:
    call = services.donor_call_create(
        actor=SYSTEM,
        unit=sanggau,
        abo="A",
        product=Product.objects.get(code="PRC"),
        place="Aula",
        starts_at=now,
        ends_at=now + dt.timedelta(hours=1),
        now=now,
    )
    assert DonorCall.objects.get(pk=call.pk).status == "published"


def test_a_group_turning_critical_gets_a_draft_call_never_published(
    hook: Any, sanggau: Any, prc: Any, now: Any, client: Any
) -> None:
    # The demo already prepared one for group O (critical after this morning's count).
    assert DonorCall.objects.filter(unit=sanggau, abo="O", status="draft").count() == 1

    def issue(n: int, rh: str = "pos") -> None:
        services.stock_record_movement(
            actor=SYSTEM,
            unit=sanggau,
            product=prc,
            abo="A",
            rh=rh,
            kind="issued",
            quantity=n,
            now=now,
        )

    issue(10)  # still enough A
    assert not DonorCall.objects.filter(unit=sanggau, abo="A").exists()
    issue(8)  # 3 bags of A red cells left for about 2 a day: critical
    [draft] = DonorCall.objects.filter(unit=sanggau, abo="A")
    assert draft.status == "draft" and draft.starts_at > now
    issue(1, "neg")
    assert DonorCall.objects.filter(unit=sanggau, abo="A").count() == 1  # not twice
    assert _deliveries("blood.donor_call.published") == []
    assert draft.place not in client.get("/darah/stok/udd-pmi-sanggau/").content.decode()
    services.donor_call_publish(actor=SYSTEM, call=draft, now=now)
    assert [d["abo"] for d in _deliveries("blood.donor_call.published")] == ["A"]


def test_drafted_donor_calls_are_shown_only_to_the_units_officers(api_as: Any) -> None:
    # The demo leaves a drafted call for group O at Sanggau.
    officer = api_as("pmi").get("/api/v1/blood/units/udd-pmi-sanggau/donor-calls").json()["items"]
    hospital = api_as("rsud").get("/api/v1/blood/units/udd-pmi-sanggau/donor-calls").json()["items"]
    assert "draft" in {c["status"] for c in officer}
    assert "draft" not in {c["status"] for c in hospital}
