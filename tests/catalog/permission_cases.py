"""Permission matrix rows of the catalog (see tests/matrix.py).

Demo datasets used: ``imunisasi-dasar-lengkap`` (a Dinkes draft: only Dinkes, the leader
above it and admins see it), ``fasilitas-kesehatan`` (published, public),
``prevalensi-stunting-desa`` (published, government only) and ``cakupan-air-bersih``
(Dinas PUPR's, awaiting the walidata: only admins among the matrix roles may verify; the
leader sees it but is not the walidata).
"""

from __future__ import annotations

from tests.matrix import API_READ, PUBLIC, SIGNED_IN, Case, expect

DRAFT = "imunisasi-dasar-lengkap"
PUBLIC_DS = "fasilitas-kesehatan"
GOV_DS = "prevalensi-stunting-desa"
SUBMITTED = "cakupan-air-bersih"

OWNERS_UI = expect(200, anonymous=302, other_staff=404, viewer=404)
OWNERS_POST = expect(302, anonymous=302, other_staff=404, viewer=404)
VERIFY_UI = expect(404, anonymous=302, admin=302, leader=403)
VERIFY_API = expect(404, anonymous=401, admin=200, leader=403)

UI_CASES = [
    Case("catalog:index", "get", "/data/", SIGNED_IN),
    Case("catalog:health", "get", "/data/kesehatan-data/", SIGNED_IN),
    Case("catalog:create", "get", "/data/baru/", expect(200, anonymous=302, viewer=403)),
    Case("catalog:detail", "get", f"/data/{DRAFT}/", OWNERS_UI),
    Case("catalog:edit", "get", f"/data/{DRAFT}/ubah/", OWNERS_UI),
    Case("catalog:upload", "post", f"/data/{DRAFT}/unggah/", OWNERS_POST),
    Case(
        "catalog:units",
        "post",
        f"/data/{PUBLIC_DS}/skema/",
        expect(302, other_staff=403, viewer=403),
        data={"unit-0": ""},
    ),
    Case(
        "catalog:filter_columns",
        "post",
        f"/data/{PUBLIC_DS}/kolom-penyaring/",
        expect(302, other_staff=403, viewer=403),
        data={"first": ""},
    ),
    Case("catalog:submit", "post", f"/data/{DRAFT}/ajukan/", OWNERS_POST),
    Case(
        "catalog:verify",
        "post",
        f"/data/{SUBMITTED}/verifikasi/",
        VERIFY_UI,
        data={"decision": "return", "comment": "Lengkapi satuan kolom."},
    ),
    Case("catalog:preview", "get", f"/data/{PUBLIC_DS}/pratinjau/", PUBLIC),
    Case(
        "catalog:summary", "get", f"/data/{GOV_DS}/ringkasan/?fn=count", expect(200, anonymous=404)
    ),
    Case("catalog:download_xlsx", "get", f"/data/{GOV_DS}/unduh.xlsx", expect(200, anonymous=404)),
    Case("catalog:requests", "get", "/data/permintaan/", SIGNED_IN),
    Case(
        "catalog:request_create",
        "get",
        "/data/permintaan/baru/",
        expect(200, anonymous=302, viewer=403),
    ),
    Case(
        "catalog:request_fulfil",
        "post",
        "/data/permintaan/999999/penuhi/",
        expect(404, anonymous=302),
        data={"r999999-dataset": PUBLIC_DS},
    ),
    Case("catalog:download", "get", f"/data/{GOV_DS}/unduh.csv", expect(200, anonymous=404)),
    Case("catalog:download_json", "get", f"/data/{PUBLIC_DS}/unduh.json", PUBLIC),
    Case("catalog:public_index", "get", "/publik/data/", PUBLIC),
    Case("catalog:public_detail", "get", f"/publik/data/{GOV_DS}/", expect(200, anonymous=404)),
    Case("catalog:dcat", "get", "/publik/data/dcat.jsonld", PUBLIC),
    Case("catalog:ckan_action", "get", "/api/3/action/package_list", PUBLIC),
    Case("catalog:ckan_action_unversioned", "get", "/api/action/status_show", PUBLIC),
]

API_CASES = [
    Case("get /api/v1/datasets", "get", "/api/v1/datasets", PUBLIC),
    Case(
        "post /api/v1/datasets",
        "post",
        "/api/v1/datasets",
        expect(201, anonymous=401, other_staff=403, viewer=403),
        data={"publisher": "dinkes-sanggau", "slug": "matrix-dataset", "title": "Matrix"},
    ),
    Case(
        "get /api/v1/datasets/{slug}",
        "get",
        f"/api/v1/datasets/{DRAFT}",
        expect(200, anonymous=404, other_staff=404, viewer=404),
    ),
    Case(
        "patch /api/v1/datasets/{slug}",
        "patch",
        f"/api/v1/datasets/{DRAFT}",
        expect(200, anonymous=401, other_staff=404, viewer=404),
        data={"title": "Imunisasi dasar lengkap (ubah)"},
    ),
    Case(
        "post /api/v1/datasets/{slug}/submit",
        "post",
        f"/api/v1/datasets/{DRAFT}/submit",
        expect(422, anonymous=401, other_staff=404, viewer=404),
    ),
    Case(
        "post /api/v1/datasets/{slug}/verify",
        "post",
        f"/api/v1/datasets/{SUBMITTED}/verify",
        VERIFY_API,
        data={"decision": "return", "comment": "Lengkapi satuan kolom."},
    ),
    Case(
        "get /api/v1/datasets/{slug}/versions",
        "get",
        f"/api/v1/datasets/{PUBLIC_DS}/versions",
        PUBLIC,
    ),
    Case(
        "post /api/v1/datasets/{slug}/versions",
        "post",
        f"/api/v1/datasets/{DRAFT}/versions",
        expect(422, anonymous=401),
        data={},
    ),
    Case(
        "post /api/v1/datasets/{slug}/versions/json",
        "post",
        f"/api/v1/datasets/{DRAFT}/versions/json",
        expect(422, anonymous=401),
        data={},
    ),
    Case(
        "get /api/v1/datasets/{slug}/aggregate",
        "get",
        f"/api/v1/datasets/{GOV_DS}/aggregate?group_by=kecamatan&metrics=count",
        expect(200, anonymous=404),
    ),
    Case("get /api/v1/data-requests", "get", "/api/v1/data-requests", API_READ),
    Case(
        "post /api/v1/data-requests",
        "post",
        "/api/v1/data-requests",
        expect(201, anonymous=401, leader=403, other_staff=403, viewer=403),
        data={
            "requester": "dinkes-sanggau",
            "producer": "kantah-sanggau",
            "title": "Sertifikat tanah puskesmas",
            "description": "Status sertifikat tanah puskesmas per kecamatan.",
        },
    ),
    Case(
        "get /api/v1/data-requests/{pk}",
        "get",
        "/api/v1/data-requests/999999",
        expect(404, anonymous=401),
    ),
    Case(
        "post /api/v1/data-requests/{pk}/fulfil",
        "post",
        "/api/v1/data-requests/999999/fulfil",
        expect(404, anonymous=401),
        data={"dataset": PUBLIC_DS},
    ),
    Case(
        "get /api/v1/datasets/{slug}/data",
        "get",
        f"/api/v1/datasets/{GOV_DS}/data?limit=5",
        expect(200, anonymous=404),
    ),
]
