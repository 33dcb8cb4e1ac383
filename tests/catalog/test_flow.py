"""The Satu Data flow as people use it: Dinkes uploads a CSV, fixes the metadata and
submits; the walidata returns it, then publishes it; the public finds and queries it;
restricted datasets stay hidden from the public and from agencies not named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from sinergi.catalog.models import Dataset
from sinergi.core.models import AuditEntry

from .conftest import CSV


def test_publish_through_the_ui(client_as: Any, store: Path) -> None:
    staff = client_as("staff")
    response = staff.post(
        "/data/baru/",
        {
            "publisher": _dinkes_pk(),
            "slug": "kunjungan-puskesmas",
            "title": "Kunjungan puskesmas",
            "frequency": "monthly",
            "licence": "cc-by-4.0",
            "access_level": "public",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert response["Location"] == "/data/kunjungan-puskesmas/"
    upload = SimpleUploadedFile("kunjungan.csv", CSV.encode(), content_type="text/csv")
    response = staff.post("/data/kunjungan-puskesmas/unggah/", {"file": upload, "note": "awal"})
    assert response.status_code == 302
    page = staff.get("/data/kunjungan-puskesmas/").content.decode()
    assert "Puskesmas Entikong" in page and "integer" in page  # preview and schema shown
    # Metadata incomplete: submitting is refused with the missing fields named.
    staff.post("/data/kunjungan-puskesmas/ajukan/")
    assert Dataset.objects.get(slug="kunjungan-puskesmas").status == "draft"
    response = staff.post(
        "/data/kunjungan-puskesmas/ubah/",
        {
            "title": "Kunjungan rawat jalan puskesmas",
            "description": "Kunjungan rawat jalan per puskesmas per bulan.",
            "tags": "kesehatan, puskesmas",
            "sector": "kesehatan",
            "frequency": "monthly",
            "licence": "cc-by-4.0",
            "contact_name": "Seksi Data Dinkes",
            "contact_email": "data@dinkes.example",
            "access_level": "public",
            "spatial_coverage": "61.03",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    staff.post("/data/kunjungan-puskesmas/skema/", {"unit-3": "kunjungan"})
    assert staff.post("/data/kunjungan-puskesmas/ajukan/").status_code == 302
    assert Dataset.objects.get(slug="kunjungan-puskesmas").status == "submitted"

    walidata = client_as("walidata")
    assert "Kunjungan rawat jalan" in walidata.get("/data/").content.decode()
    walidata.post(
        "/data/kunjungan-puskesmas/verifikasi/",
        {"decision": "return", "comment": "Lengkapi periode data."},
    )
    ds = Dataset.objects.get(slug="kunjungan-puskesmas")
    assert (ds.status, ds.review_comment) == ("returned", "Lengkapi periode data.")
    assert "Lengkapi periode data." in staff.get("/data/kunjungan-puskesmas/").content.decode()
    assert client_as(None).get("/publik/data/kunjungan-puskesmas/").status_code == 404
    staff.post("/data/kunjungan-puskesmas/ajukan/")
    walidata.post("/data/kunjungan-puskesmas/verifikasi/", {"decision": "publish"})
    assert Dataset.objects.get(slug="kunjungan-puskesmas").status == "published"

    actions = list(
        AuditEntry.objects.filter(object_type="catalog.dataset", object_id=str(ds.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "dataset.create",
        "dataset.update",
        "dataset.submit",
        "dataset.return",
        "dataset.submit",
        "dataset.publish",
    ]

    public = client_as(None)
    listing = public.get("/publik/data/?q=rawat").content.decode()
    assert "Kunjungan rawat jalan puskesmas" in listing
    assert "Seksi Data Dinkes" in public.get("/publik/data/kunjungan-puskesmas/").content.decode()
    preview = public.get(
        "/data/kunjungan-puskesmas/pratinjau/?column=kecamatan&value=Kapuas&sort=kunjungan&desc=on",
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert preview.count("<tr>") == 3  # header and the two Kapuas rows
    assert preview.index("1310") < preview.index("1200")


def _dinkes_pk() -> int:
    from sinergi.agencies.models import Agency

    return int(Agency.objects.get(slug="dinkes-sanggau").pk)


def test_publish_through_the_api(api_as: Any, store: Path) -> None:
    staff = api_as("staff")
    created = staff.post(
        "/api/v1/datasets",
        {
            "publisher": "dinkes-sanggau",
            "slug": "kunjungan-puskesmas",
            "title": "Kunjungan puskesmas",
            "description": "Kunjungan rawat jalan.",
            "tags": ["kesehatan"],
            "sector": "kesehatan",
            "contact_name": "Seksi Data",
            "contact_email": "data@dinkes.example",
        },
    )
    assert created.status_code == 201, created.content
    renamed = staff.patch(
        "/api/v1/datasets/kunjungan-puskesmas", {"title": "Kunjungan rawat jalan"}
    )
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["title"] == "Kunjungan rawat jalan"
    assert staff.get("/api/v1/datasets/kunjungan-puskesmas").json()["title"] == (
        "Kunjungan rawat jalan"
    )
    refused = staff.post("/api/v1/datasets/kunjungan-puskesmas/submit")
    assert refused.status_code == 422 and "versions" in refused.json()["fields"]
    client = staff.client
    response = client.post(
        "/api/v1/datasets/kunjungan-puskesmas/versions",
        {"file": SimpleUploadedFile("k.csv", CSV.encode()), "note": "awal"},
        HTTP_AUTHORIZATION=staff.headers["HTTP_AUTHORIZATION"],
    )
    assert response.status_code == 201, response.content
    assert response.json()["row_count"] == 4
    bad = client.post(
        "/api/v1/datasets/kunjungan-puskesmas/versions",
        {"file": SimpleUploadedFile("k.csv", b"a,b\n1,2\n3\n")},
        HTTP_AUTHORIZATION=staff.headers["HTTP_AUTHORIZATION"],
    )
    assert bad.status_code == 422
    assert bad.json()["fields"]["file"][0].split()[1] == "3"  # "Row 3 …" / "Baris 3 …"
    assert staff.post("/api/v1/datasets/kunjungan-puskesmas/submit").json()["status"] == "submitted"
    assert (
        api_as("walidata")
        .post("/api/v1/datasets/kunjungan-puskesmas/verify", {"decision": "publish"})
        .json()["status"]
        == "published"
    )
    anon = api_as(None)
    body = anon.get(
        "/api/v1/datasets/kunjungan-puskesmas/data?filters="
        + json.dumps({"kecamatan": "Kapuas"})
        + "&sort=kunjungan%20desc&fields=puskesmas,kunjungan&limit=1"
    ).json()
    assert body["total"] == 2
    assert body["rows"] == [{"puskesmas": "Puskesmas Sanggau", "kunjungan": 1310}]
    bad_sort = anon.get("/api/v1/datasets/kunjungan-puskesmas/data?sort=nope")
    assert bad_sort.status_code == 422 and "nope" in bad_sort.json()["fields"]
    slugs = [d["slug"] for d in anon.get("/api/v1/datasets?limit=100").json()["items"]]
    assert "kunjungan-puskesmas" in slugs


def test_access_levels(api_as: Any, client_as: Any) -> None:
    anon = [d["slug"] for d in api_as(None).get("/api/v1/datasets?limit=100").json()["items"]]
    assert "fasilitas-kesehatan" in anon
    assert "prevalensi-stunting-desa" not in anon  # government only
    assert "bidang-tanah-bersertifikat" not in anon  # named agencies
    assert "imunisasi-dasar-lengkap" not in anon  # draft
    assert "cakupan-air-bersih" not in anon  # in review
    # Named agencies: Dinas PUPR and Bappeda read it; Dinkes does not.
    assert api_as("pupr").get("/api/v1/datasets/bidang-tanah-bersertifikat").status_code == 200
    assert api_as("viewer").get("/api/v1/datasets/bidang-tanah-bersertifikat").status_code == 200
    assert api_as("staff").get("/api/v1/datasets/bidang-tanah-bersertifikat").status_code == 404
    assert client_as("staff").get("/data/bidang-tanah-bersertifikat/unduh.csv").status_code == 404
    # Government: any government agency's people read it, the public does not.
    assert api_as("other_staff").get("/api/v1/datasets/prevalensi-stunting-desa").status_code == 200
    assert client_as(None).get("/data/prevalensi-stunting-desa/pratinjau/").status_code == 404
    # The walidata sees what waits for it, other agencies do not.
    assert api_as("walidata").get("/api/v1/datasets/cakupan-air-bersih").status_code == 200
    assert api_as("staff").get("/api/v1/datasets/cakupan-air-bersih").status_code == 404


def test_demo_has_a_dataset_with_three_versions(api_as: Any) -> None:
    versions = api_as(None).get("/api/v1/datasets/donor-darah-bulanan/versions").json()
    assert [v["number"] for v in versions] == [3, 2, 1]
    assert (
        versions[0]["changes"]["rows_added"] == 16 and versions[0]["changes"]["rows_removed"] == 0
    )


def test_data_health_counts_overdue_and_completeness(client_as: Any, users: Any, now: Any) -> None:
    import datetime as dt

    from sinergi.catalog.selectors import data_health

    page = client_as("leader").get("/data/kesehatan-data/").content.decode()
    assert "Dinas Kesehatan" in page and "100 %" in page
    # Four months on, the monthly blood-donation dataset is overdue; the yearly ones are not.
    later = now + dt.timedelta(days=120)
    rows = {r["agency"].slug: r for r in data_health(user=users["leader"], now=later)}
    assert [d.slug for d in rows["udd-pmi-sanggau"]["overdue"]] == ["donor-darah-bulanan"]
    assert rows["dinkes-sanggau"]["overdue"] == []
    assert (rows["dinkes-sanggau"]["total"], rows["dinkes-sanggau"]["published"]) == (3, 2)
    assert rows["dinkes-sanggau"]["completeness"] == 100
    today = {r["agency"].slug: r for r in data_health(user=users["leader"], now=now)}
    assert today["udd-pmi-sanggau"]["overdue"] == []
    # Staff of another agency see only what they may read: no Dinkes draft in their count.
    theirs = {r["agency"].slug: r for r in data_health(user=users["other_staff"], now=now)}
    assert theirs["dinkes-sanggau"]["total"] == 2
