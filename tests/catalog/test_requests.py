"""Data requests: an agency asks another for data, which travels as a coordination request
of kind "data", and is fulfilled by linking a published dataset (answered or closed through
the coordination services, audited)."""

from __future__ import annotations

from typing import Any

import pytest

from sinergi.agencies.models import Agency
from sinergi.catalog import services
from sinergi.catalog.models import DataRequest, Dataset
from sinergi.core.exceptions import Forbidden, NotFound, ValidationFailed
from sinergi.core.models import AuditEntry


def ask(users: Any, now: Any, **kw: Any) -> DataRequest:
    values = {
        "requester": Agency.objects.get(slug="dinkes-sanggau"),
        "producer": Agency.objects.get(slug="kantah-sanggau"),
        "title": "Bidang tanah fasilitas kesehatan",
        "description": "Status sertifikat tanah puskesmas dan pustu per kecamatan, 2025.",
    }
    values.update(kw)
    return services.data_request_create(actor=users["staff"], now=now, **values)


def test_request_becomes_a_coordination_request_and_is_answered_by_a_dataset(
    users: Any, now: Any
) -> None:
    item = ask(users, now)
    request = item.request
    assert (request.kind, request.status) == ("data", "submitted")
    assert request.from_agency.slug == "dinkes-sanggau"
    assert request.to_agency.slug == "kantah-sanggau"
    assert AuditEntry.objects.filter(action="request.submit", object_id=str(request.pk)).exists()
    assert AuditEntry.objects.filter(action="data_request.create").exists()
    restricted = Dataset.objects.get(slug="bidang-tanah-bersertifikat")  # Dinkes may not read it
    with pytest.raises(ValidationFailed) as refused:
        services.data_request_fulfil(
            actor=users["other_staff"], data_request=item, dataset=restricted, now=now
        )
    assert "dataset" in refused.value.fields
    draft = Dataset.objects.get(slug="imunisasi-dasar-lengkap")
    with pytest.raises(ValidationFailed):
        services.data_request_fulfil(
            actor=users["other_staff"], data_request=item, dataset=draft, now=now
        )
    with pytest.raises(NotFound):  # the viewer's agency is neither side
        services.data_request_fulfil(
            actor=users["viewer"],
            data_request=item,
            dataset=Dataset.objects.get(slug="fasilitas-kesehatan"),
            now=now,
        )
    public = Dataset.objects.get(slug="fasilitas-kesehatan")
    done = services.data_request_fulfil(
        actor=users["other_staff"], data_request=item, dataset=public, note="Lihat kolom", now=now
    )
    done.request.refresh_from_db()
    assert done.dataset == public and done.request.status == "answered"
    assert "/data/fasilitas-kesehatan/" in done.request.events.order_by("-pk").first().body
    assert AuditEntry.objects.filter(action="request.answer", object_id=str(request.pk)).exists()
    assert AuditEntry.objects.filter(action="data_request.fulfil", object_id=str(item.pk)).exists()


def test_requester_closes_with_a_dataset_and_bad_input_is_refused(users: Any, now: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        ask(users, now, title=" ", description="")
    assert set(refused.value.fields) == {"title", "description"}
    with pytest.raises(ValidationFailed):
        ask(users, now, producer=Agency.objects.get(slug="dinkes-sanggau"))
    before = DataRequest.objects.count()  # the demo's own data requests
    with pytest.raises(Forbidden):
        services.data_request_create(
            actor=users["other_staff"],
            requester=Agency.objects.get(slug="dinkes-sanggau"),
            producer=Agency.objects.get(slug="kantah-sanggau"),
            title="x",
            description="y",
            now=now,
        )
    assert DataRequest.objects.count() == before
    item = ask(users, now)
    done = services.data_request_fulfil(
        actor=users["staff"],
        data_request=item,
        dataset=Dataset.objects.get(slug="fasilitas-kesehatan"),
        now=now,
    )
    done.request.refresh_from_db()
    assert done.request.status == "closed"


def test_data_requests_through_the_ui(client_as: Any, users: Any, now: Any) -> None:
    staff = client_as("staff")
    assert "/data/permintaan/baru/" in staff.get("/data/").content.decode()
    form = {
        "requester": Agency.objects.get(slug="dinkes-sanggau").pk,
        "title": "Sertifikat tanah puskesmas",
        "description": "Status sertifikat tanah puskesmas dan pustu per kecamatan.",
    }
    before = DataRequest.objects.count()  # the demo's own data requests
    suggested = staff.post("/data/permintaan/baru/", {**form, "suggest": "1"})
    assert suggested.status_code == 200 and DataRequest.objects.count() == before
    sent = staff.post("/data/permintaan/baru/", {**form, "producer": "kantah-sanggau"})
    assert sent.status_code == 302, sent.content[:2000]
    item = DataRequest.objects.get(title=form["title"])
    assert "Sertifikat tanah puskesmas" in staff.get("/data/permintaan/").content.decode()
    assert "Sertifikat tanah" not in client_as("viewer").get("/data/permintaan/").content.decode()
    handler = client_as("other_staff")
    page = handler.get("/data/permintaan/").content.decode()
    assert f"/data/permintaan/{item.pk}/penuhi/" in page
    response = handler.post(
        f"/data/permintaan/{item.pk}/penuhi/", {f"r{item.pk}-dataset": "fasilitas-kesehatan"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.dataset is not None and item.dataset.slug == "fasilitas-kesehatan"


def test_data_requests_through_the_api(api_as: Any) -> None:
    staff = api_as("staff")
    created = staff.post(
        "/api/v1/data-requests",
        {
            "requester": "dinkes-sanggau",
            "producer": "kantah-sanggau",
            "title": "Sertifikat tanah puskesmas",
            "description": "Status sertifikat tanah puskesmas per kecamatan.",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["request_status"] == "submitted" and body["dataset"] is None
    assert staff.post("/api/v1/data-requests", {"requester": "dinkes-sanggau"}).status_code == 422
    assert api_as("viewer").get(f"/api/v1/data-requests/{body['id']}").status_code == 404
    handler = api_as("other_staff")
    assert [r["id"] for r in handler.get("/api/v1/data-requests?status=open").json()["items"]] == [
        body["id"]
    ]
    bad = handler.post(f"/api/v1/data-requests/{body['id']}/fulfil", {"dataset": "nope"})
    assert bad.status_code == 422 and "dataset" in bad.json()["fields"]
    done = handler.post(
        f"/api/v1/data-requests/{body['id']}/fulfil", {"dataset": "fasilitas-kesehatan"}
    )
    assert done.status_code == 200, done.content
    assert done.json()["dataset"] == "fasilitas-kesehatan"
    assert done.json()["request_status"] == "answered"
    again = handler.post(
        f"/api/v1/data-requests/{body['id']}/fulfil", {"dataset": "fasilitas-kesehatan"}
    )
    assert again.status_code == 409


def test_agency_page_lists_its_readable_datasets(client_as: Any) -> None:
    page = client_as("staff").get("/instansi/dinkes-sanggau/").content.decode()
    assert "/data/fasilitas-kesehatan/" in page  # published, public
    assert "/data/prevalensi-stunting-desa/" in page  # published, government: Dinkes reads it
    assert "/data/imunisasi-dasar-lengkap/" not in page  # a draft is not listed
    assert "/data/kesehatan-data/?instansi=dinkes-sanggau" in page
    land = client_as("staff").get("/instansi/kantah-sanggau/").content.decode()
    assert "bidang-tanah-bersertifikat" not in land  # shared with named agencies only
    assert (
        "bidang-tanah-bersertifikat"
        in client_as("other_staff").get("/instansi/kantah-sanggau/").content.decode()
    )
    health = client_as("staff").get("/data/kesehatan-data/?instansi=dinkes-sanggau")
    assert health.status_code == 200 and "Pertanahan" not in health.content.decode()


def test_the_demo_holds_an_open_and_a_fulfilled_data_request(db: Any) -> None:
    open_one = DataRequest.objects.get(producer__slug="dpupr-sanggau")
    fulfilled = DataRequest.objects.get(
        producer__slug="kantah-sanggau", requester__slug="dpupr-sanggau"
    )
    assert open_one.dataset is None and open_one.request.status == "submitted"
    assert fulfilled.dataset is not None and fulfilled.dataset.slug == "bidang-tanah-bersertifikat"
    assert fulfilled.request.status == "answered"
