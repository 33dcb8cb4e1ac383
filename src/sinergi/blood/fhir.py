"""A FHIR R5 view of tracked bags: ``BiologicallyDerivedProduct`` resources and searchset
Bundles (read only). Product codes come from a local code system (not ISBT 128); nothing
about a hospital, a request or a patient is included."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .choices import BagStatus, Component
from .models import Bag

FHIR_JSON = "application/fhir+json"
CATEGORY_SYSTEM = "http://hl7.org/fhir/product-category"
STATUS_SYSTEM = "http://hl7.org/fhir/biologicallyderived-product-status"
UCUM = "http://unitsofmeasure.org"
# Whole blood and plasma are fluids; red cells and platelets are cells.
CATEGORY = {
    Component.WHOLE_BLOOD: "fluid",
    Component.PLASMA: "fluid",
    Component.RED_CELLS: "cells",
    Component.PLATELETS: "cells",
}


def _instant(moment: dt.datetime) -> str:
    """An R5 dateTime/instant with seconds and a time zone."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _celsius(value: Any) -> dict[str, Any]:
    return {"value": float(value), "unit": "°C", "system": UCUM, "code": "Cel"}


def bag_resource(bag: Bag, *, base: str) -> dict[str, Any]:
    """One bag as a BiologicallyDerivedProduct. ``base`` is the absolute URL the local
    code systems and identifiers hang from (``https://host/darah/fhir``)."""
    product = bag.product
    group = f"{bag.abo}{'+' if bag.rh == 'pos' else '-'}"
    identifier = {
        "system": f"{base}/sid/donation-number/{bag.unit.slug}",
        "value": bag.donation_number,
    }
    resource: dict[str, Any] = {
        "resourceType": "BiologicallyDerivedProduct",
        "id": str(bag.pk),
        "meta": {"lastUpdated": _instant(bag.updated_at)},
        "productCategory": {
            "system": CATEGORY_SYSTEM,
            "code": CATEGORY.get(Component(product.component), "fluid"),
        },
        "productCode": {
            "coding": [
                {
                    "system": f"{base}/CodeSystem/blood-product",
                    "code": product.code,
                    "display": product.name,
                }
            ],
            "text": product.name,
        },
        "identifier": [identifier],
        "biologicalSourceEvent": identifier,
        "processingFacility": [{"display": bag.unit.name}],
        "productStatus": {
            "system": STATUS_SYSTEM,
            "code": "available" if bag.status == BagStatus.AVAILABLE else "unavailable",
        },
        "expirationDate": _instant(bag.expires_at),
        "collection": {"collectedDateTime": _instant(bag.collected_at)},
        "property": [
            {
                "type": {
                    "coding": [{"system": f"{base}/CodeSystem/blood-property", "code": "abo-rhd"}],
                    "text": "ABO/RhD",
                },
                "valueCodeableConcept": {
                    "coding": [{"system": f"{base}/CodeSystem/abo-rhd", "code": group}],
                    "text": group,
                },
            },
            {
                "type": {
                    "coding": [{"system": f"{base}/CodeSystem/blood-property", "code": "status"}],
                    "text": "Status",
                },
                "valueCodeableConcept": {
                    "coding": [{"system": f"{base}/CodeSystem/bag-status", "code": bag.status}],
                },
            },
        ],
    }
    low, high = product.storage_min_c, product.storage_max_c
    if low is not None or high is not None:
        temp: dict[str, Any] = {}
        if low is not None:
            temp["low"] = _celsius(low)
        if high is not None:
            temp["high"] = _celsius(high)
        resource["storageTempRequirements"] = temp
    return resource


def searchset(
    bags: list[Bag], *, total: int, base: str, self_url: str, now: dt.datetime
) -> dict[str, Any]:
    """A searchset Bundle of bags."""
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": _instant(now),
        "total": total,
        "link": [{"relation": "self", "url": self_url}],
        "entry": [
            {
                "fullUrl": f"{base}/BiologicallyDerivedProduct/{bag.pk}",
                "resource": bag_resource(bag, base=base),
                "search": {"mode": "match"},
            }
            for bag in bags
        ],
    }
