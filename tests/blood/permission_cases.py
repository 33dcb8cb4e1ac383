"""Permission matrix rows of the blood app (see tests/matrix.py).

The demo's blood-unit officer (``pmi``) and hospital officer (``rsud``) are not matrix
roles, so here only platform admins record stock, handle requests or request blood; the
leader (Bupati) and the health office (Dinkes head and staff) see requests and the
dashboard of their region; other agencies do not see requests at all (404).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.matrix import API_READ, PUBLIC, SIGNED_IN, Case, expect

UNIT = "udd-pmi-sanggau"
# Oversight (leader, health office) sees requests but may not act on them.
HANDLE_UI = expect(403, anonymous=302, admin=302, other_staff=404, viewer=404)
HANDLE_API = expect(403, anonymous=401, admin=200, other_staff=404, viewer=404)
SEE_UI = expect(200, anonymous=302, other_staff=404, viewer=404)
SEE_API = expect(200, anonymous=401, other_staff=404, viewer=404)
RECORD_UI = expect(403, anonymous=302, admin=302)


def _request(now: Any) -> dict[str, str]:
    from sinergi.agencies.models import Agency
    from sinergi.blood.models import Product
    from sinergi.blood.services import dropping_create, request_create
    from sinergi.core.permissions import SYSTEM

    unit = Agency.objects.get(slug=UNIT)
    req = request_create(
        actor=SYSTEM,
        hospital=Agency.objects.get(slug="rsud-sanggau"),
        unit=unit,
        product=Product.objects.get(code="PRC"),
        abo="A",
        rh="pos",
        quantity=2,
        urgency="urgent",
        needed_by=now + dt.timedelta(hours=6),
        case_number="RM-MATRIX-1",
        now=now,
    )
    dropping = dropping_create(
        actor=SYSTEM,
        from_unit=unit,
        to_unit=Agency.objects.get(slug="udd-pmi-sekadau"),
        product=req.product,
        abo="A",
        rh="pos",
        quantity=1,
        request=req,
        now=now,
    )
    return {"req": str(req.pk), "dropping": str(dropping.pk)}


def _case(route: str, method: str, url: str, expected: dict[str, int], **kw: Any) -> Case:
    return Case(route, method, url, expected, setup=_request, **kw)


def _bag_and_call(now: Any) -> dict[str, str]:
    """A tracked WB bag of the demo (Sanggau tracks WB and FFP) and a drafted donor call."""
    from sinergi.agencies.models import Agency
    from sinergi.blood.models import Bag, Product
    from sinergi.blood.services import donor_call_create
    from sinergi.core.permissions import SYSTEM

    unit = Agency.objects.get(slug=UNIT)
    bag = Bag.objects.filter(unit=unit, product__code="WB", status="available").first()
    assert bag is not None
    call = donor_call_create(
        actor=SYSTEM,
        unit=unit,
        abo="O",
        product=Product.objects.get(code="PRC"),
        place="Markas PMI Sanggau",
        # The API answers at the real time, the matrix sets up at the fixed test time.
        starts_at=dt.datetime(2030, 1, 1, 1, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2030, 1, 1, 7, 0, tzinfo=dt.UTC),
        draft=True,
        now=now,
    )
    return {"bag": str(bag.pk), "call": str(call.pk)}


def _bag_case(route: str, method: str, url: str, expected: dict[str, int], **kw: Any) -> Case:
    return Case(route, method, url, expected, setup=_bag_and_call, **kw)


UI_CASES = [
    Case("blood:index", "get", "/darah/", SIGNED_IN),
    Case("blood:ticker_json", "get", "/darah/ticker.json", PUBLIC),
    Case("blood:ticker", "get", "/darah/ticker", PUBLIC),
    Case("blood:embed_js", "get", "/darah/embed.js", PUBLIC),
    Case("blood:public_unit", "get", f"/darah/stok/{UNIT}/", PUBLIC),
    Case("blood:unit", "get", f"/darah/udd/{UNIT}/", SIGNED_IN),
    Case(
        "blood:unit_levels",
        "post",
        f"/darah/udd/{UNIT}/isian/",
        RECORD_UI,
        data={"reason": "Stok opname", "c-PRC-A-pos": "30"},
    ),
    Case("blood:movement_new", "get", f"/darah/udd/{UNIT}/mutasi/", expect(403, 302, admin=200)),
    Case("blood:history", "get", f"/darah/udd/{UNIT}/riwayat/", SIGNED_IN),
    Case("blood:upload", "post", f"/darah/udd/{UNIT}/unggah/", expect(403, 302, admin=422)),
    Case(
        "blood:donor_call",
        "post",
        f"/darah/udd/{UNIT}/panggilan/",
        RECORD_UI,
        data={
            "abo": "O",
            "rh": "neg",
            "product": "PRC",
            "place": "Markas PMI Sanggau",
            "starts_at": "2030-01-01T08:00",
            "ends_at": "2030-01-01T14:00",
        },
    ),
    Case("blood:requests", "get", "/darah/permintaan/", SIGNED_IN),
    Case("blood:request_new", "get", "/darah/permintaan/baru/", expect(403, 302, admin=200)),
    _case("blood:request", "get", "/darah/permintaan/{req}/", SEE_UI),
    _case("blood:request_accept", "post", "/darah/permintaan/{req}/terima/", HANDLE_UI),
    _case(
        "blood:request_allocate",
        "post",
        "/darah/permintaan/{req}/alokasi/",
        HANDLE_UI,
        data={"cell": "A:pos", "quantity": "1"},
    ),
    _case(
        "blood:request_decline",
        "post",
        "/darah/permintaan/{req}/tolak/",
        HANDLE_UI,
        data={"reason": "Stok habis"},
    ),
    _case(
        "blood:request_dropping",
        "post",
        "/darah/permintaan/{req}/dropping/",
        HANDLE_UI,
        data={"to_unit": "udd-pmi-pontianak", "cell": "A:pos", "quantity": "1"},
    ),
    _case("blood:dropping_fulfil", "post", "/darah/dropping/{dropping}/kirim/", HANDLE_UI),
    _case(
        "blood:dropping_decline",
        "post",
        "/darah/dropping/{dropping}/tolak/",
        HANDLE_UI,
        data={"reason": "Stok sendiri menipis"},
    ),
    Case(
        "blood:dashboard",
        "get",
        "/darah/dasbor/",
        expect(200, anonymous=302, other_staff=403, viewer=403),
    ),
    Case("blood:bags", "get", f"/darah/udd/{UNIT}/kantong/", SIGNED_IN),
    Case("blood:bag_tracking", "get", f"/darah/udd/{UNIT}/pelacakan-kantong/", SIGNED_IN),
    Case(
        "blood:bag_tracking",
        "post",
        f"/darah/udd/{UNIT}/pelacakan-kantong/",
        expect(403, anonymous=302, admin=422),  # TC is not tracked: nothing to switch off
        data={"action": "untrack", "product": "TC", "confirm": "on"},
    ),
    _bag_case("blood:bag", "get", "/darah/kantong/{bag}/", SEE_UI),
    _bag_case("blood:donor_call_publish", "post", "/darah/panggilan/{call}/terbitkan/", RECORD_UI),
    _bag_case("blood:donor_call_close", "post", "/darah/panggilan/{call}/tutup/", RECORD_UI),
]

API_CASES = [
    Case("get /api/v1/blood/products", "get", "/api/v1/blood/products", API_READ),
    Case(
        "get /api/v1/blood/units/{slug}/stock", "get", f"/api/v1/blood/units/{UNIT}/stock", API_READ
    ),
    Case(
        "get /api/v1/blood/units/{slug}/movements",
        "get",
        f"/api/v1/blood/units/{UNIT}/movements",
        API_READ,
    ),
    Case(
        "post /api/v1/blood/units/{slug}/movements",
        "post",
        f"/api/v1/blood/units/{UNIT}/movements",
        expect(403, anonymous=401, admin=201),
        data={"kind": "collected", "product": "PRC", "abo": "O", "rh": "neg", "quantity": 2},
    ),
    Case(
        "patch /api/v1/blood/units/{slug}/settings",
        "patch",
        f"/api/v1/blood/units/{UNIT}/settings",
        expect(403, anonymous=401, admin=200),
        data={"stale_after_minutes": 120, "safe_days": 5},
    ),
    Case(
        "post /api/v1/blood/units/{slug}/stokdarah",
        "post",
        f"/api/v1/blood/units/{UNIT}/stokdarah",
        expect(403, anonymous=401, admin=200),
        data={
            "rows": [
                {
                    "udd": "UDD PMI Kabupaten Sanggau",
                    "produk": "TC",
                    "nama": "Trombosit Konsentrat",
                    **{f"{g}_{r}": "4" for g in ("a", "b", "o", "ab") for r in ("pos", "neg")},
                    "ket": None,
                    "update_on": "2026-11-02 07:40:03",
                }
            ]
        },
    ),
    Case(
        "post /api/v1/blood/units/{slug}/simdondar",
        "post",
        f"/api/v1/blood/units/{UNIT}/simdondar",
        expect(403, anonymous=401, admin=200),
        data={
            "rows": [
                {
                    "produk": "PRC",
                    **{f"{g}_{r}": 5 for g in ("a", "b", "o", "ab") for r in ("pos", "neg")},
                    "updated_at": "2026-11-02T01:00:00+07:00",
                }
            ]
        },
    ),
    Case("get /api/v1/blood/requests", "get", "/api/v1/blood/requests", API_READ),
    Case(
        "post /api/v1/blood/requests",
        "post",
        "/api/v1/blood/requests",
        expect(403, anonymous=401, admin=201),
        data={
            "hospital": "rsud-sanggau",
            "unit": UNIT,
            "case_number": "RM-2026-0001",
            "product": "PRC",
            "abo": "O",
            "rh": "neg",
            "quantity": 4,
            "urgency": "cito",
            "needed_by": "2030-01-01T10:00:00Z",
        },
    ),
    _case("get /api/v1/blood/requests/{pk}", "get", "/api/v1/blood/requests/{req}", SEE_API),
    _case(
        "post /api/v1/blood/requests/{pk}/accept",
        "post",
        "/api/v1/blood/requests/{req}/accept",
        HANDLE_API,
    ),
    _case(
        "get /api/v1/blood/requests/{pk}/options",
        "get",
        "/api/v1/blood/requests/{req}/options",
        HANDLE_API,
    ),
    _case(
        "post /api/v1/blood/requests/{pk}/allocate",
        "post",
        "/api/v1/blood/requests/{req}/allocate",
        HANDLE_API,
        data={"lines": [{"abo": "A", "rh": "pos", "quantity": 1}]},
    ),
    _case(
        "post /api/v1/blood/requests/{pk}/decline",
        "post",
        "/api/v1/blood/requests/{req}/decline",
        HANDLE_API,
        data={"reason": "Stok habis"},
    ),
    _case(
        "post /api/v1/blood/requests/{pk}/dropping",
        "post",
        "/api/v1/blood/requests/{req}/dropping",
        expect(403, anonymous=401, admin=201, other_staff=404, viewer=404),
        data={"to_unit": "udd-pmi-pontianak", "abo": "A", "rh": "pos", "quantity": 1},
    ),
    Case("get /api/v1/blood/droppings", "get", "/api/v1/blood/droppings", API_READ),
    _case(
        "post /api/v1/blood/droppings/{pk}/fulfil",
        "post",
        "/api/v1/blood/droppings/{dropping}/fulfil",
        HANDLE_API,
        data={},
    ),
    _case(
        "post /api/v1/blood/droppings/{pk}/decline",
        "post",
        "/api/v1/blood/droppings/{dropping}/decline",
        HANDLE_API,
        data={"reason": "Stok sendiri menipis"},
    ),
    Case(
        "get /api/v1/blood/units/{slug}/bags", "get", f"/api/v1/blood/units/{UNIT}/bags", API_READ
    ),
    Case(
        "post /api/v1/blood/units/{slug}/bags/track",
        "post",
        f"/api/v1/blood/units/{UNIT}/bags/track",
        expect(403, anonymous=401, admin=422),
        data={"product": "TC", "bags": []},
    ),
    Case(
        "post /api/v1/blood/units/{slug}/bags/untrack",
        "post",
        f"/api/v1/blood/units/{UNIT}/bags/untrack",
        expect(403, anonymous=401, admin=422),
        data={"product": "TC"},
    ),
    _bag_case("get /api/v1/blood/bags/{pk}", "get", "/api/v1/blood/bags/{bag}", SEE_API),
    _bag_case(
        "patch /api/v1/blood/bags/{pk}",
        "patch",
        "/api/v1/blood/bags/{bag}",
        HANDLE_API,
        data={"expires_at": "2030-01-01T00:00:00Z"},
    ),
    Case(
        "get /api/v1/blood/units/{slug}/donor-calls",
        "get",
        f"/api/v1/blood/units/{UNIT}/donor-calls",
        API_READ,
    ),
    Case(
        "post /api/v1/blood/units/{slug}/donor-calls",
        "post",
        f"/api/v1/blood/units/{UNIT}/donor-calls",
        expect(403, anonymous=401, admin=201),
        data={
            "abo": "O",
            "product": "PRC",
            "place": "Markas PMI Sanggau",
            "starts_at": "2030-01-01T01:00:00Z",
            "ends_at": "2030-01-01T07:00:00Z",
        },
    ),
    _bag_case(
        "post /api/v1/blood/donor-calls/{pk}/publish",
        "post",
        "/api/v1/blood/donor-calls/{call}/publish",
        expect(403, anonymous=401, admin=200),
    ),
    _bag_case(
        "post /api/v1/blood/donor-calls/{pk}/close",
        "post",
        "/api/v1/blood/donor-calls/{call}/close",
        expect(403, anonymous=401, admin=200),
    ),
    Case(
        "get /api/v1/blood/fhir/BiologicallyDerivedProduct",
        "get",
        f"/api/v1/blood/fhir/BiologicallyDerivedProduct?unit={UNIT}",
        API_READ,
    ),
    _bag_case(
        "get /api/v1/blood/fhir/BiologicallyDerivedProduct/{pk}",
        "get",
        "/api/v1/blood/fhir/BiologicallyDerivedProduct/{bag}",
        SEE_API,
    ),
]
