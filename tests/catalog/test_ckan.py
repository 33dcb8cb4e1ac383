"""The CKAN Action API driven the way the ``ckanapi`` client drives it: ``RemoteCKAN``
POSTs a JSON body (``call_action``), ``get_only=True`` sends a GET query string, and both
read the ``{"help", "success", "result"|"error"}`` envelope."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client


class RemoteCKAN:
    """What ``ckanapi.RemoteCKAN.call_action`` does on the wire, against the test client."""

    def __init__(self, apikey: str | None = None, base: str = "/api/3/action/") -> None:
        self.client = Client()
        self.apikey = apikey
        self.base = base

    def call_action(self, action: str, data_dict: dict[str, Any], get_only: bool = False) -> Any:
        headers = {"HTTP_USER_AGENT": "ckanapi/4.7 (+https://github.com/ckan/ckanapi)"}
        if self.apikey:
            headers["HTTP_AUTHORIZATION"] = self.apikey  # ckanapi sends the bare key
        if get_only:
            response = self.client.get(self.base + action + "?" + urlencode(data_dict), **headers)
        else:
            response = self.client.post(
                self.base + action,
                json.dumps(data_dict),
                content_type="application/json",
                **headers,
            )
        body = json.loads(response.content)
        assert body["help"].endswith(f"help_show?name={action}")
        if not body["success"]:
            raise CKANAPIError(response.status_code, body["error"])
        assert response.status_code == 200
        return body["result"]


class CKANAPIError(Exception):
    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(error)
        self.status, self.error = status, error


@pytest.fixture
def ckan(db: Any) -> RemoteCKAN:
    return RemoteCKAN()


@pytest.mark.parametrize("get_only", [False, True])
def test_catalog_actions(ckan: RemoteCKAN, get_only: bool) -> None:
    call = lambda name, **kw: ckan.call_action(name, kw, get_only=get_only)  # noqa: E731
    assert call("status_show")["ckan_version"].startswith("2.")
    names = call("package_list")
    assert "fasilitas-kesehatan" in names and "prevalensi-stunting-desa" not in names
    package = call("package_show", id="donor-darah-bulanan")
    assert package["organization"]["name"] == "udd-pmi-sanggau"
    assert [r["id"] for r in package["resources"]] == [
        "donor-darah-bulanan-v1",
        "donor-darah-bulanan-v2",
        "donor-darah-bulanan-v3",
    ]
    assert {"name": "donor-darah", "display_name": "donor-darah", "state": "active"} in package[
        "tags"
    ]
    found = call("package_search", q="darah", rows=5)
    assert [p["name"] for p in found["results"]] == ["donor-darah-bulanan"]
    health = call(
        "package_search",
        fq="organization:dinkes-sanggau",
        sort="name asc",
        **{"facet.field": json.dumps(["organization", "tags"])},
    )
    assert [p["name"] for p in health["results"]] == ["fasilitas-kesehatan"]
    assert health["search_facets"]["organization"]["items"][0]["count"] == 1
    tagged = call("package_search", fq="tags:kesehatan", rows=1, start=1, sort="name asc")
    assert tagged["count"] == 2 and [p["name"] for p in tagged["results"]] == [
        "fasilitas-kesehatan"
    ]
    assert tagged["facets"]["tags"]["kesehatan"] == 2
    orgs = call("organization_list")
    assert "dinkes-sanggau" in orgs and "kantah-sanggau" not in orgs
    org = call("organization_show", id="dinkes-sanggau", include_datasets=True)
    assert org["package_count"] == 1 and org["packages"][0]["name"] == "fasilitas-kesehatan"
    assert "stunting" not in call("tag_list")
    resource = call("resource_show", id="donor-darah-bulanan-v3")
    assert resource["datastore_active"] and resource["row_count"] == 88


@pytest.mark.parametrize("get_only", [False, True])
def test_datastore_search(ckan: RemoteCKAN, get_only: bool) -> None:
    filters: Any = {"golongan": "O"}
    result = ckan.call_action(
        "datastore_search",
        {
            "resource_id": "donor-darah-bulanan-v3",
            "filters": json.dumps(filters) if get_only else filters,
            "sort": "kantong_terkumpul desc",
            "fields": "bulan,kantong_terkumpul",
            "limit": 3,
            "offset": 1,
        },
        get_only=get_only,
    )
    assert result["total"] == 22
    assert [f["id"] for f in result["fields"]] == ["bulan", "kantong_terkumpul"]
    assert [f["type"] for f in result["fields"]] == ["date", "int"]
    values = [r["kantong_terkumpul"] for r in result["records"]]
    assert len(values) == 3 and values == sorted(values, reverse=True)
    assert set(result["records"][0]) == {"bulan", "kantong_terkumpul"}
    text = ckan.call_action(
        "datastore_search", {"resource_id": "donor-darah-bulanan-v1", "q": "AB"}, get_only=get_only
    )
    assert text["total"] == 12


def test_errors_use_the_ckan_envelope(ckan: RemoteCKAN) -> None:
    with pytest.raises(CKANAPIError) as info:
        ckan.call_action("package_show", {"id": "prevalensi-stunting-desa"})
    assert info.value.status == 404 and info.value.error["__type"] == "Not Found Error"
    with pytest.raises(CKANAPIError) as info:
        ckan.call_action("no_such_action", {"name": "x"})
    assert info.value.status == 400
    with pytest.raises(CKANAPIError) as info:
        ckan.call_action("package_create", {"name": "x"})  # writes need a token
    assert info.value.status == 403 and info.value.error["__type"] == "Authorization Error"
    with pytest.raises(CKANAPIError) as info:
        ckan.call_action("datastore_search_sql", {"sql": 'SELECT * FROM "x"'})
    assert info.value.status == 403 and "disabled" in info.value.error["message"]
    with pytest.raises(CKANAPIError) as info:
        ckan.call_action("datastore_search", {"resource_id": "donor-darah-bulanan-v3", "sort": "x"})
    assert info.value.status == 409 and info.value.error["__type"] == "Validation Error"
    with pytest.raises(CKANAPIError) as info:
        ckan.call_action("package_search", {"rows": "many"})
    assert info.value.status == 409 and "rows" in info.value.error
    with pytest.raises(CKANAPIError) as info:
        RemoteCKAN(apikey="not-a-token").call_action("package_list", {})
    assert info.value.status == 403


def test_api_key_reveals_what_the_user_may_read(users: Any, now: Any) -> None:
    from sinergi.accounts.services import token_create
    from sinergi.core.permissions import SYSTEM

    _token, secret = token_create(actor=SYSTEM, user=users["other_staff"], name="ckan", now=now)
    names = RemoteCKAN(apikey=secret, base="/api/action/").call_action("package_list", {})
    assert "prevalensi-stunting-desa" in names  # government
    assert "bidang-tanah-bersertifikat" in names  # its own agency's, shared with named ones
    staff = RemoteCKAN(apikey=_secret(users["staff"], now)).call_action("package_list", {})
    assert "bidang-tanah-bersertifikat" not in staff  # Dinkes is not named


def _secret(user: Any, now: Any) -> str:
    from sinergi.accounts.services import token_create
    from sinergi.core.permissions import SYSTEM

    return token_create(actor=SYSTEM, user=user, name="ckan", now=now)[1]


def test_dcat_catalog(client: Client, db: Any) -> None:
    response = client.get("/publik/data/dcat.jsonld")
    assert response["Content-Type"].startswith("application/ld+json")
    body = response.json()
    assert body["@type"] == "dcat:Catalog" and "dcat" in body["@context"]
    by_id = {d["dct:identifier"]: d for d in body["dcat:dataset"]}
    assert "fasilitas-kesehatan" in by_id and "prevalensi-stunting-desa" not in by_id
    donors = by_id["donor-darah-bulanan"]
    assert [x["dct:identifier"] for x in donors["dcat:distribution"]] == [
        "donor-darah-bulanan-v3",
        "donor-darah-bulanan-v2",
        "donor-darah-bulanan-v1",
        "donor-darah-bulanan-v3.xlsx",  # the latest version in the other download formats
        "donor-darah-bulanan-v3.json",
    ]
    assert donors["dcat:distribution"][3]["dcat:downloadURL"]["@id"].endswith("unduh.xlsx?versi=3")
    assert donors["dct:accrualPeriodicity"]["@id"].endswith("/MONTHLY")
    assert donors["dct:publisher"]["dct:identifier"] == "udd-pmi-sanggau"


def test_datastore_semantics(ckan: RemoteCKAN) -> None:
    """``_id``, whole-word ``q`` over every field (numbers too) or per field, distinct and
    the record formats, as CKAN 2.10's DataStore answers them."""
    rid = "donor-darah-bulanan-v3"
    every = ckan.call_action("datastore_search", {"resource_id": rid, "limit": 32000})
    assert every["fields"][0] == {"id": "_id", "type": "int"}
    assert [r["_id"] for r in every["records"]] == list(range(1, 89))
    number = every["records"][40]["kantong_terkumpul"]
    holding = [r for r in every["records"] if str(number) in {str(v) for v in r.values()}]
    found = ckan.call_action("datastore_search", {"resource_id": rid, "q": str(number)})
    assert found["total"] == len(holding) >= 1
    assert {r["_id"] for r in found["records"]} == {r["_id"] for r in holding}
    # Whole words: "A" is not "AB"; a dict searches each named field.
    a_rows = ckan.call_action("datastore_search", {"resource_id": rid, "q": "A"})
    assert {r["golongan"] for r in a_rows["records"]} == {"A"}
    per_field = ckan.call_action(
        "datastore_search", {"resource_id": rid, "q": {"golongan": "AB"}, "limit": 0}
    )
    assert per_field["total"] == 22
    get = ckan.call_action(
        "datastore_search",
        {"resource_id": rid, "q": json.dumps({"golongan": "O"}), "limit": 0},
        get_only=True,
    )
    assert get["total"] == 22
    distinct = ckan.call_action(
        "datastore_search",
        {"resource_id": rid, "fields": ["golongan"], "distinct": True, "sort": "golongan"},
    )
    assert distinct["records"] == [{"golongan": g} for g in ("A", "AB", "B", "O")]
    assert distinct["total"] == 88  # CKAN counts the matching rows, not the distinct values
    lists = ckan.call_action(
        "datastore_search",
        {"resource_id": rid, "records_format": "lists", "fields": "_id,golongan", "limit": 2},
    )
    assert lists["records"] == [
        [1, every["records"][0]["golongan"]],
        [2, every["records"][1]["golongan"]],
    ]
    text = ckan.call_action(
        "datastore_search",
        {"resource_id": rid, "records_format": "csv", "fields": "_id,golongan", "limit": 2},
    )
    assert text["records"].splitlines()[0] == f"1,{every['records'][0]['golongan']}"
    with pytest.raises(CKANAPIError) as info:
        ckan.call_action("datastore_search", {"resource_id": rid, "records_format": "xml"})
    assert info.value.status == 409


def test_groups_and_help(ckan: RemoteCKAN) -> None:
    groups = ckan.call_action("group_list", {"all_fields": True})
    health = next(g for g in groups if g["name"] == "kesehatan")
    assert health["type"] == "group" and health["package_count"] >= 1
    shown = ckan.call_action("group_show", {"id": "kesehatan", "include_datasets": True})
    assert "fasilitas-kesehatan" in [p["name"] for p in shown["packages"]]
    assert (
        ckan.call_action("package_show", {"id": "fasilitas-kesehatan"})["groups"][0]["name"]
        == "kesehatan"
    )
    grouped = ckan.call_action("package_search", {"fq": "groups:kesehatan", "rows": 100})
    assert "fasilitas-kesehatan" in [p["name"] for p in grouped["results"]]
    for name in ("datastore_search", "package_create", "help_show", "group_list"):
        assert ckan.call_action("help_show", {"name": name}, get_only=True)
    assert "_id" in ckan.call_action("help_show", {"name": "datastore_search"})
    with pytest.raises(CKANAPIError) as info:
        ckan.call_action("help_show", {"name": "nope"})
    assert info.value.status == 404
