"""Agency directory, profiles and memberships: rules, validation and visibility."""

from __future__ import annotations

from typing import Any

import pytest

from sinergi.agencies.models import Agency, Membership
from sinergi.agencies.services import agency_set_active
from sinergi.core.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW = {
    "slug": "upt-labkesda",
    "name": "UPT Laboratorium Kesehatan Daerah",
    "kind": "opd",
    "region": "61.03",
    "parent": "dinkes-sanggau",
    "sectors": ["kesehatan"],
    "affairs": ["1.02"],
}


def audit_count() -> int:
    return AuditEntry.objects.count()


def test_head_registers_a_sub_agency_through_the_api(api_as: Any) -> None:
    response = api_as("head").post("/api/v1/agencies", NEW)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["parent"], body["sectors"], body["affairs"]) == (
        "dinkes-sanggau",
        ["kesehatan"],
        ["1.02"],
    )
    entry = AuditEntry.objects.get(action="agency.create", object_repr__icontains="Laboratorium")
    assert entry.actor_username == "kadinkes"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "Bad Slug"}, "slug"),
        ({"region": "99.99"}, "region"),
        ({"parent": "no-such-agency"}, "parent"),
        ({"sectors": ["kesehatan", "astrologi"]}, "sectors"),
        ({"affairs": ["9.99"]}, "affairs"),
        ({"kind": "kingdom"}, "kind"),
        ({"email": "not-an-email"}, "email"),
        ({"slug": "dinkes-sanggau"}, "slug"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    api_as: Any, change: dict[str, Any], field: str
) -> None:
    api = api_as("admin")
    before = (Agency.objects.count(), audit_count())
    response = api.post("/api/v1/agencies", {**NEW, **change})
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["fields"], body
    assert (Agency.objects.count(), audit_count()) == before


def test_errors_answer_in_the_users_language(api_as: Any) -> None:
    from sinergi.accounts.models import User

    User.objects.filter(username="admin").update(language="en")
    english = api_as("admin").post("/api/v1/agencies", {**NEW, "region": "99.99"}).json()
    User.objects.filter(username="admin").update(language="id")
    indonesian = api_as("admin").post("/api/v1/agencies", {**NEW, "region": "99.99"}).json()
    assert english["fields"]["region"] == ["Region 99.99 does not exist."]
    assert indonesian["fields"]["region"] != english["fields"]["region"]


def test_staff_may_read_but_not_change_their_agency(api_as: Any) -> None:
    api = api_as("staff")
    assert api.get("/api/v1/agencies/dinkes-sanggau").status_code == 200
    response = api.patch("/api/v1/agencies/dinkes-sanggau", {"phone": "1"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_update_changes_only_given_fields(api_as: Any) -> None:
    response = api_as("head").patch(
        "/api/v1/agencies/dinkes-sanggau",
        {"phone": "0564-21234", "sectors": ["kesehatan", "sosial"]},
    )
    assert response.status_code == 200
    agency = Agency.objects.get(slug="dinkes-sanggau")
    assert agency.phone == "0564-21234"
    assert agency.email == "dinkes@sanggau.go.id"
    assert sorted(s.slug for s in agency.sectors.all()) == ["kesehatan", "sosial"]
    entry = AuditEntry.objects.filter(action="agency.update").latest("seq")
    assert (
        entry.before["sectors"] == ["kesehatan"]
        or entry.before["sectors"] != entry.after["sectors"]
    )


def test_an_agency_cannot_be_moved_under_itself(api_as: Any) -> None:
    response = api_as("admin").patch("/api/v1/agencies/dinkes-sanggau", {"parent": "pkm-entikong"})
    assert response.status_code == 422
    assert "parent" in response.json()["fields"]


def test_deactivation_rules_and_visibility(api_as: Any, users: dict[str, Any], now: Any) -> None:
    # An agency with active sub-agencies is not switched off.
    conflict = api_as("leader").post("/api/v1/agencies/dinkes-sanggau/deactivate")
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "conflict"
    # The head cannot switch off their own agency, only the one above can.
    assert api_as("head").post("/api/v1/agencies/dinkes-sanggau/deactivate").status_code == 403
    agency_set_active(
        actor=users["admin"], agency=Agency.objects.get(slug="bps-sanggau"), active=False, now=now
    )
    # Inactive: hidden from the directory and from other agencies, seen by leaders.
    listing = api_as("staff").get("/api/v1/agencies?limit=500").json()
    assert "bps-sanggau" not in {a["slug"] for a in listing["items"]}
    assert api_as("staff").get("/api/v1/agencies/bps-sanggau").status_code == 404
    assert api_as("leader").get("/api/v1/agencies/bps-sanggau").status_code == 200
    with_inactive = api_as("leader").get("/api/v1/agencies?include_inactive=true&limit=500").json()
    assert "bps-sanggau" in {a["slug"] for a in with_inactive["items"]}


def test_membership_add_change_remove(api_as: Any) -> None:
    api = api_as("head")
    added = api.post(
        "/api/v1/agencies/dinkes-sanggau/memberships",
        {"username": "pupr", "role": "viewer", "position_title": "Penghubung"},
    )
    assert added.status_code == 201
    mid = added.json()["id"]
    dup = api.post(
        "/api/v1/agencies/dinkes-sanggau/memberships", {"username": "pupr", "role": "staff"}
    )
    assert dup.status_code == 422 and "user" in dup.json()["fields"]
    unknown = api.post(
        "/api/v1/agencies/dinkes-sanggau/memberships", {"username": "ghost", "role": "staff"}
    )
    assert unknown.status_code == 422 and "username" in unknown.json()["fields"]
    bad_role = api.post(
        "/api/v1/agencies/dinkes-sanggau/memberships", {"username": "rsud", "role": "king"}
    )
    assert bad_role.status_code == 422 and "role" in bad_role.json()["fields"]
    changed = api.patch(f"/api/v1/agencies/dinkes-sanggau/memberships/{mid}", {"role": "staff"})
    assert changed.json()["role"] == "staff"
    # A membership id of another agency is not found under this agency.
    other = Membership.objects.get(user__username="pertanahan").pk
    assert api.delete(f"/api/v1/agencies/dinkes-sanggau/memberships/{other}").status_code == 404
    assert api.delete(f"/api/v1/agencies/dinkes-sanggau/memberships/{mid}").status_code == 204
    assert not Membership.objects.filter(pk=mid).exists()
    assert AuditEntry.objects.filter(action="membership.remove", object_id=str(mid)).exists()


def test_new_member_gains_rights_immediately(api_as: Any) -> None:
    assert (
        api_as("pupr").patch("/api/v1/agencies/dinkes-sanggau", {"phone": "1"}).status_code == 403
    )
    api_as("head").post(
        "/api/v1/agencies/dinkes-sanggau/memberships", {"username": "pupr", "role": "head"}
    )
    assert (
        api_as("pupr").patch("/api/v1/agencies/dinkes-sanggau", {"phone": "1"}).status_code == 200
    )


def test_directory_filters(api_as: Any) -> None:
    api = api_as("viewer")
    assert api.get("/api/v1/agencies?kind=hospital").json()["items"][0]["slug"] == "rsud-sanggau"
    found = {a["slug"] for a in api.get("/api/v1/agencies?q=kesehatan&limit=50").json()["items"]}
    assert {"dinkes-sanggau", "dinkes-kalbar"} <= found
    by_sector = {
        a["slug"] for a in api.get("/api/v1/agencies?sector=pertanahan&limit=50").json()["items"]
    }
    assert "kantah-sanggau" in by_sector
    by_region = api.get("/api/v1/agencies?region=61.03.21&limit=50").json()
    assert {a["region"] for a in by_region["items"]} == {"61.03.21"}
    page = api.get("/api/v1/agencies?limit=5&offset=5").json()
    assert len(page["items"]) == 5 and page["count"] > 40
    assert api.get("/api/v1/agencies?limit=0").status_code == 422


def test_ui_directory_search_and_htmx_partial(client_as: Any) -> None:
    client = client_as("viewer")
    page = client.get("/instansi/?q=pertanahan")
    html = page.content.decode()
    assert (
        "Kantor Pertanahan Kabupaten Sanggau" in html
        and "Dinas Kesehatan Kabupaten Sanggau" not in html
    )
    partial = client.get("/instansi/?q=rsud", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert "<html" not in partial.content.decode()
    assert "RSUD" in partial.content.decode()


def test_ui_agency_page_shows_mandate_people_and_actions(client_as: Any) -> None:
    html = client_as("head").get("/instansi/dinkes-sanggau/").content.decode()
    assert "puskesmas" in html.lower()  # mandate
    assert "@dinkes" in html  # people
    assert "/instansi/dinkes-sanggau/ubah/" in html
    staff_html = client_as("staff").get("/instansi/dinkes-sanggau/").content.decode()
    assert "/instansi/dinkes-sanggau/ubah/" not in staff_html


def test_ui_create_and_edit(client_as: Any) -> None:
    client = client_as("head")
    bad = client.post(
        "/instansi/baru/?parent=dinkes-sanggau",
        {**NEW, "slug": "x y", "sectors": [], "affairs": []},
    )
    assert bad.status_code == 400
    assert not Agency.objects.filter(name=NEW["name"]).exists()
    form = {**NEW, "mandate": "Memeriksa sampel kesehatan masyarakat.", "website": ""}
    ok = client.post("/instansi/baru/?parent=dinkes-sanggau", form)
    assert ok.status_code == 302 and ok["Location"] == "/instansi/upt-labkesda/"
    edit = client.post("/instansi/upt-labkesda/ubah/", {**form, "phone": "0564-1"})
    assert edit.status_code == 302
    assert Agency.objects.get(slug="upt-labkesda").phone == "0564-1"


def test_ui_member_add_with_unknown_user_reports_error(client_as: Any) -> None:
    client = client_as("head")
    response = client.post(
        "/instansi/dinkes-sanggau/anggota/", {"username": "ghost", "role": "staff"}, follow=True
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(user__username="ghost").exists()
    messages = [str(m) for m in response.context["messages"]]
    assert messages, "the user is told why nothing happened"


def test_an_agency_keeps_its_last_head(api_as: Any) -> None:
    head = Membership.objects.get(user__username="kadinkes", agency__slug="dinkes-sanggau")
    api = api_as("leader")
    url = f"/api/v1/agencies/dinkes-sanggau/memberships/{head.pk}"
    assert api.delete(url).status_code == 409
    assert api.patch(url, {"role": "staff"}).status_code == 409
    api.post("/api/v1/agencies/dinkes-sanggau/memberships", {"username": "rsud", "role": "head"})
    assert api.patch(url, {"role": "staff"}).status_code == 200


def test_directory_varies_on_htmx_headers(client_as: Any) -> None:
    response = client_as("viewer").get("/instansi/?q=rsud")
    assert "HX-Request" in response["Vary"]


def test_a_head_cannot_make_their_agency_a_government(api_as: Any) -> None:
    """Changing kind or region decides leadership, so it is done from above."""
    head = api_as("head")
    refused = head.patch("/api/v1/agencies/dinkes-sanggau", {"kind": "regency_government"})
    assert refused.status_code == 403
    assert head.patch("/api/v1/agencies/dinkes-sanggau", {"region": "61"}).status_code == 403
    assert head.get("/api/v1/audit").status_code == 403
    assert Agency.objects.get(slug="dinkes-sanggau").kind == "opd"
    # The Bupati (above) may move it, but not out of the regency, and not make it a government.
    leader = api_as("leader")
    outside = leader.patch("/api/v1/agencies/dinkes-sanggau", {"region": "61.71"})
    assert outside.status_code == 422 and "region" in outside.json()["fields"]
    assert (
        leader.patch("/api/v1/agencies/dinkes-sanggau", {"kind": "regency_government"}).status_code
        == 403
    )
    assert (
        leader.patch("/api/v1/agencies/dinkes-sanggau", {"region": "61.03.01"}).status_code == 200
    )


def test_sub_agencies_stay_within_the_parents_region(api_as: Any) -> None:
    response = api_as("head").post("/api/v1/agencies", {**NEW, "region": "61.71"})
    assert response.status_code == 422 and "region" in response.json()["fields"]


def test_a_head_can_switch_a_deactivated_sub_agency_back_on(api_as: Any) -> None:
    head = api_as("head")
    assert head.post("/api/v1/agencies/pkm-entikong/deactivate").json()["is_active"] is False
    assert head.get("/api/v1/agencies/pkm-entikong").status_code == 200
    assert head.post("/api/v1/agencies/pkm-entikong/activate").json()["is_active"] is True


def test_moving_under_another_parent_keeps_the_region_rule(api_as: Any) -> None:
    response = api_as("admin").patch("/api/v1/agencies/pkm-entikong", {"parent": "dinkes-kalbar"})
    assert response.status_code == 200  # 61.03.21 lies within Kalimantan Barat (61)
    moved_out = api_as("admin").patch(
        "/api/v1/agencies/kecamatan-entikong", {"parent": "bps-sanggau"}
    )
    assert moved_out.status_code == 200
    bad = api_as("admin").patch("/api/v1/agencies/bps-sanggau", {"parent": "kecamatan-kapuas"})
    assert bad.status_code == 422 and "region" in bad.json()["fields"]
