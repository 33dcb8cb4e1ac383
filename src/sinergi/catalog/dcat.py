"""The catalog as DCAT (DCAT-AP vocabulary) in JSON-LD, for harvesters such as the
European/national data portals and CKAN's dcat extension."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from sinergi.core.exceptions import Unauthenticated

from .api import caller
from .ckan import _packages

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
FREQUENCIES = {
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "semiannual": "BIENNIAL",
    "annual": "ANNUAL",
    "irregular": "IRREG",
}
LICENCES = {
    "cc-by-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "cc0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "odbl-1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
}


def _date(value: Any) -> dict[str, str]:
    return {"@value": value.isoformat(), "@type": "xsd:date"}


def dataset_node(request: HttpRequest, d: Any) -> dict[str, Any]:
    """One dataset as a ``dcat:Dataset`` with a distribution per version."""
    page = request.build_absolute_uri(reverse("catalog:public_detail", args=[d.slug]))
    node: dict[str, Any] = {
        "@id": page,
        "@type": "dcat:Dataset",
        "dct:identifier": d.slug,
        "dct:title": d.title,
        "dct:description": d.description,
        "dcat:keyword": sorted(t.name for t in d.tags.all()),
        "dcat:landingPage": {"@id": page},
        "dct:publisher": {
            "@type": "foaf:Organization",
            "foaf:name": d.publisher.name,
            "dct:identifier": d.publisher.slug,
        },
        "dct:accrualPeriodicity": {
            "@id": "http://publications.europa.eu/resource/authority/frequency/"
            + FREQUENCIES.get(d.frequency, "UNKNOWN")
        },
        "dct:modified": {"@value": d.updated_at.isoformat(), "@type": "xsd:dateTime"},
        "dct:spatial": [{"dct:identifier": code} for code in d.spatial_coverage or []],
        "dct:accessRights": d.access_level,
        "dcat:contactPoint": {
            "@type": "vcard:Organization",
            "vcard:fn": d.contact_name,
            "vcard:hasEmail": f"mailto:{d.contact_email}" if d.contact_email else "",
        },
        "dcat:distribution": [],
    }
    if d.published_at:
        node["dct:issued"] = {"@value": d.published_at.isoformat(), "@type": "xsd:dateTime"}
    if d.temporal_start or d.temporal_end:
        period: dict[str, Any] = {"@type": "dct:PeriodOfTime"}
        if d.temporal_start:
            period["dcat:startDate"] = _date(d.temporal_start)
        if d.temporal_end:
            period["dcat:endDate"] = _date(d.temporal_end)
        node["dct:temporal"] = period
    if d.sector:
        node["dcat:theme"] = d.sector.slug
    for v in sorted(d.versions.all(), key=lambda v: -v.number):
        url = reverse("catalog:download", args=[d.slug]) + f"?versi={v.number}"
        node["dcat:distribution"].append(
            {
                "@type": "dcat:Distribution",
                "dct:identifier": v.resource_id,
                "dct:title": f"{d.title} (v{v.number})",
                "dcat:downloadURL": {"@id": request.build_absolute_uri(url)},
                "dcat:accessURL": {
                    "@id": request.build_absolute_uri(
                        reverse("catalog:ckan_action", args=["datastore_search"])
                        + f"?resource_id={v.resource_id}"
                    )
                },
                "dcat:mediaType": "text/csv",
                "dct:format": "CSV",
                "dcat:byteSize": {"@value": str(v.size_bytes), "@type": "xsd:decimal"},
                "spdx:checksum": {"spdx:algorithm": "sha256", "spdx:checksumValue": v.checksum},
                "dct:issued": {"@value": v.created_at.isoformat(), "@type": "xsd:dateTime"},
                **({"dct:license": {"@id": LICENCES[d.licence]}} if d.licence in LICENCES else {}),
            }
        )
    latest = max(d.versions.all(), key=lambda v: v.number, default=None)
    if latest is not None:
        # The latest version also downloads as a workbook and as JSON rows.
        for route, fmt, media in (
            ("catalog:download_xlsx", "XLSX", XLSX_MEDIA_TYPE),
            ("catalog:download_json", "JSON", "application/json"),
        ):
            url = reverse(route, args=[d.slug]) + f"?versi={latest.number}"
            node["dcat:distribution"].append(
                {
                    "@type": "dcat:Distribution",
                    "dct:identifier": f"{latest.resource_id}.{fmt.lower()}",
                    "dct:title": f"{d.title} (v{latest.number}, {fmt})",
                    "dcat:downloadURL": {"@id": request.build_absolute_uri(url)},
                    "dcat:mediaType": media,
                    "dct:format": fmt,
                    "dct:issued": {
                        "@value": latest.created_at.isoformat(),
                        "@type": "xsd:dateTime",
                    },
                    **(
                        {"dct:license": {"@id": LICENCES[d.licence]}}
                        if d.licence in LICENCES
                        else {}
                    ),
                }
            )
    return node


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
def catalog(request: HttpRequest) -> JsonResponse:
    """The datasets the caller may read as a ``dcat:Catalog``."""
    try:
        user = caller(request)
    except Unauthenticated:
        user = None  # a bad token reads the catalog like an anonymous visitor
    datasets = [dataset_node(request, d) for d in _packages(user).order_by("slug")]
    body = {
        "@context": {**CONTEXT, "spdx": "http://spdx.org/rdf/terms#"},
        "@id": request.build_absolute_uri(reverse("catalog:dcat")),
        "@type": "dcat:Catalog",
        "dct:title": "Sinergi — Satu Data",
        "dct:description": "Datasets published by agencies and verified by the walidata.",
        "foaf:homepage": {"@id": request.build_absolute_uri(reverse("catalog:public_index"))},
        "dcat:dataset": datasets,
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/ld+json; charset=utf-8"
    return response
