"""The CKAN write actions driven by the real ``ckanapi`` client: its ``RemoteCKAN`` talks
HTTP through ``requests``, whose session here hands each prepared request to Django's test
client (same bytes on the wire: JSON bodies, multipart uploads, the bare API key in
``Authorization``), so the test runs inside the session's demo database."""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

ckanapi = pytest.importorskip("ckanapi")

CSV = (
    "puskesmas,kecamatan,bulan,kunjungan\n"
    "Puskesmas Sanggau,Kapuas,2026-01-01,1200\n"
    "Puskesmas Entikong,Entikong,2026-01-01,800\n"
    "Puskesmas Sekayam,Sekayam,2026-01-01,650\n"
    "Puskesmas AB,Kapuas,2026-02-01,1310\n"
)


class DjangoAdapter(BaseAdapter):
    """A ``requests`` transport that answers from Django's test client."""

    def __init__(self) -> None:
        super().__init__()
        self.client = Client()

    def send(self, request: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        parts = urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        extra = {
            "HTTP_" + k.upper().replace("-", "_"): v
            for k, v in request.headers.items()
            if k.lower() not in ("content-type", "content-length")
        }
        answer = self.client.generic(
            request.method,
            path,
            data=body,
            content_type=request.headers.get("Content-Type", "application/octet-stream"),
            **extra,
        )
        response = requests.Response()
        response.status_code = answer.status_code
        content = answer.content
        if answer.get("Content-Encoding") == "gzip":  # urllib3 would decode it for requests
            content = gzip.decompress(content)
        response._content = content
        response.headers = CaseInsensitiveDict(dict(answer.items()))
        response.encoding = "utf-8"
        response.url = request.url
        response.request = request
        return response

    def close(self) -> None:
        pass


def remote(secret: str | None) -> Any:
    session = requests.Session()
    session.mount("http://", DjangoAdapter())
    return ckanapi.RemoteCKAN("http://testserver", apikey=secret, session=session)


def _token(username: str, now: Any) -> str:
    from sinergi.accounts.models import User
    from sinergi.accounts.services import token_create
    from sinergi.core.permissions import SYSTEM

    user = User.objects.get(username=username)
    return token_create(actor=SYSTEM, user=user, name="ckanapi", now=now)[1]


def test_ckanapi_creates_uploads_upserts_and_the_walidata_publishes(
    db: Any, store: Path, now: Any
) -> None:
    from sinergi.accounts.models import User
    from sinergi.catalog.models import Dataset
    from sinergi.catalog.services import dataset_verify

    producer = remote(_token("dinkes", now))
    package = producer.action.package_create(
        name="kunjungan-ckan",
        title="Kunjungan puskesmas (CKAN)",
        owner_org="dinkes-sanggau",
        notes="Kunjungan rawat jalan per puskesmas per bulan.",
        tags=[{"name": "kesehatan"}],
        groups=[{"name": "kesehatan"}],
        maintainer="Seksi Data",
        maintainer_email="data@dinkes.example",
        extras=[{"key": "frequency", "value": "monthly"}],
    )
    assert package["state"] == "draft" and package["sinergi_status"] == "draft"
    assert package["groups"][0]["name"] == "kesehatan"
    dataset = Dataset.objects.get(slug="kunjungan-ckan")
    assert dataset.frequency == "monthly" and dataset.publisher.slug == "dinkes-sanggau"
    # A draft is not in the public catalog.
    with pytest.raises(ckanapi.NotFound):
        remote(None).action.package_show(id="kunjungan-ckan")

    resource = producer.action.resource_create(
        package_id="kunjungan-ckan", description="awal", upload=io.BytesIO(CSV.encode())
    )
    assert resource["id"] == "kunjungan-ckan-v1" and resource["row_count"] == 4
    upserted = producer.action.datastore_upsert(
        resource_id="kunjungan-ckan-v1",
        method="upsert",
        records=[
            {"_id": 2, "kunjungan": 801},  # updates the Entikong row
            {
                "puskesmas": "Pustu Bodok",
                "kecamatan": "Parindu",
                "bulan": "2026-02-01",
                "kunjungan": 127,
            },
        ],
    )
    assert upserted["resource_id"] == "kunjungan-ckan-v2" and upserted["row_count"] == 5
    with pytest.raises(ckanapi.ValidationError) as stale:
        producer.action.datastore_upsert(resource_id="kunjungan-ckan-v1", records=[{"x": 1}])
    assert "kunjungan-ckan-v2" in stale.value.error_dict["resource_id"][0]
    with pytest.raises(ckanapi.ValidationError) as bad:
        producer.action.datastore_upsert(
            resource_id="kunjungan-ckan-v2", records=[{"kunjungan": "banyak"}]
        )
    assert "records" in bad.value.error_dict
    assert Dataset.objects.get(slug="kunjungan-ckan").versions.count() == 2  # nothing partial

    submitted = producer.action.package_patch(id="kunjungan-ckan", state="active")
    assert submitted["sinergi_status"] == "submitted" and submitted["state"] == "draft"
    dataset_verify(
        actor=User.objects.get(username="walidata"),
        dataset=Dataset.objects.get(slug="kunjungan-ckan"),
        decision="publish",
        now=now,
    )
    public = remote(None)
    assert public.action.package_show(id="kunjungan-ckan")["state"] == "active"
    found = public.action.datastore_search(resource_id="kunjungan-ckan-v2", q="127")
    assert found["total"] == 1
    assert found["records"] == [
        {
            "_id": 5,
            "puskesmas": "Pustu Bodok",
            "kecamatan": "Parindu",
            "bulan": "2026-02-01",
            "kunjungan": 127,
        }
    ]
    row2 = public.action.datastore_search(resource_id="kunjungan-ckan-v2", filters={"_id": 2})
    assert row2["records"][0]["kunjungan"] == 801
    # Published: metadata changes are refused, a package_show round trip is not a change.
    shown = producer.action.package_show(id="kunjungan-ckan")
    assert producer.action.package_update(**shown)["state"] == "active"
    with pytest.raises(ckanapi.ValidationError):
        producer.action.package_patch(id="kunjungan-ckan", notes="Lain")


def test_ckan_write_refusals(db: Any, store: Path, now: Any) -> None:
    with pytest.raises(ckanapi.NotAuthorized):  # no token
        remote(None).action.package_create(name="x-anon", owner_org="dinkes-sanggau")
    viewer = remote(_token("pengamat", now))
    with pytest.raises(ckanapi.NotAuthorized) as denied:
        viewer.action.package_create(name="x-viewer", owner_org="dinkes-sanggau")
    assert denied.value.args[0]["__type"] == "Authorization Error"
    producer = remote(_token("dinkes", now))
    with pytest.raises(ckanapi.ValidationError) as missing:
        producer.action.package_create(owner_org="dinkes-sanggau")
    assert missing.value.error_dict["name"] == ["Missing value"]
    with pytest.raises(ckanapi.ValidationError) as taken:
        producer.action.package_create(name="fasilitas-kesehatan", owner_org="dinkes-sanggau")
    assert "slug" in taken.value.error_dict
    with pytest.raises(ckanapi.ValidationError) as linked:
        producer.action.resource_create(package_id="fasilitas-kesehatan", url="http://x/a.csv")
    assert "upload" in linked.value.error_dict
    # Rows pushed with datastore_create (typed fields) make the next version, refused whole.
    producer.action.package_create(name="x-rows", owner_org="dinkes-sanggau")
    created = producer.action.datastore_create(
        resource={"package_id": "x-rows", "description": "awal"},
        fields=[{"id": "kode", "type": "text"}, {"id": "nilai", "type": "int"}],
        records=[{"kode": "A", "nilai": 1}, {"kode": "AB", "nilai": 2}],
    )
    assert created["resource_id"] == "x-rows-v1"
    assert [f["type"] for f in created["fields"]] == ["int", "text", "int"]
    with pytest.raises(ckanapi.ValidationError):
        producer.action.datastore_create(
            resource={"package_id": "x-rows"}, records=[{"kode": "A", "nilai": {"x": 1}}]
        )
    # Bearer tokens work too; a session cookie alone never writes (the views are CSRF-exempt).
    bearer = Client().post(
        "/api/3/action/package_patch",
        {"id": "x-rows", "notes": "Catatan"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer " + _token("dinkes", now),
    )
    assert bearer.status_code == 200 and bearer.json()["result"]["notes"] == "Catatan"
    from sinergi.accounts.models import User

    browser = Client()
    browser.force_login(User.objects.get(username="dinkes"))
    forged = browser.post(
        "/api/3/action/package_patch", {"id": "x-rows"}, content_type="application/json"
    )
    assert forged.status_code == 403
    assert forged.json()["error"]["__type"] == "Authorization Error"


def test_every_read_action_through_ckanapi(db: Any) -> None:
    public = remote(None)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("status_show", {}),
        ("package_list", {}),
        ("package_show", {"id": "donor-darah-bulanan"}),
        ("package_search", {"q": "darah", "fq": "groups:kesehatan"}),
        ("organization_list", {"all_fields": True}),
        ("organization_show", {"id": "dinkes-sanggau"}),
        ("group_list", {}),
        ("group_show", {"id": "kesehatan"}),
        ("tag_list", {}),
        ("resource_show", {"id": "donor-darah-bulanan-v3"}),
        ("help_show", {"name": "datastore_upsert"}),
        ("datastore_search", {"resource_id": "donor-darah-bulanan-v3", "limit": 1}),
    ]
    for name, data in calls:
        assert public.call_action(name, data), name
    public.get_only = True
    found = public.call_action(
        "datastore_search", {"resource_id": "donor-darah-bulanan-v3", "q": "AB", "limit": 0}
    )
    assert found["total"] == 22
    with pytest.raises(ckanapi.NotAuthorized):
        public.call_action("datastore_search_sql", {"sql": "SELECT 1"})
