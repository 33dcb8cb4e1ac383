"""The agency picker: a <select> while agencies are few, a search box fed by htmx beyond."""

from __future__ import annotations

from typing import Any

import pytest

from sinergi.agencies import picker


@pytest.mark.django_db
def test_few_agencies_get_a_plain_select(client_as: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(picker, "LIST_MAX", 10_000)
    html = client_as("staff").get("/permintaan/baru/").content.decode()
    assert '<select name="to_agency"' in html
    assert 'value="kantah-sanggau"' in html


@pytest.mark.django_db
def test_many_agencies_get_a_search_box(client_as: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(picker, "LIST_MAX", 3)
    client = client_as("staff")
    html = client.get("/permintaan/baru/").content.decode()
    assert '<select name="to_agency"' not in html
    assert 'value="kantah-sanggau"' not in html  # no agency listed up front
    # The field's label names the search box, which fetches matches.
    assert '<label for="id_to_agency">' in html
    assert 'id="id_to_agency" name="q" form="id_to_agency-detached"' in html
    assert "/instansi/pilih/?field=to_agency" in html

    found = client.get("/instansi/pilih/?field=to_agency&q=pertanahan").content.decode()
    assert 'name="to_agency" value="kantah-sanggau"' in found
    none = client.get("/instansi/pilih/?field=to_agency&q=zzzz").content.decode()
    assert "kantah-sanggau" not in none
    # The chosen one stays while another search runs.
    kept = client.get(
        "/instansi/pilih/?field=to_agency&q=zzzz&to_agency=kantah-sanggau"
    ).content.decode()
    assert 'value="kantah-sanggau" checked' in kept
    assert client.get("/instansi/pilih/?field=bad-name&q=x").status_code == 400


@pytest.mark.django_db
def test_unknown_agency_is_a_form_error(client_as: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(picker, "LIST_MAX", 3)
    response = client_as("staff").post(
        "/permintaan/baru/",
        {
            "from_agency": "dinkes-sanggau",
            "to_agency": "no-such-agency",
            "kind": "data",
            "priority": "normal",
            "subject": "Data",
            "body": "Mohon data.",
        },
    )
    assert response.status_code == 400
    assert "Instansi tidak dikenal." in response.content.decode()


@pytest.mark.django_db
def test_partner_form_searches(client_as: Any, monkeypatch: Any) -> None:
    from sinergi.programs.forms import PartnerForm

    monkeypatch.setattr(picker, "LIST_MAX", 3)
    html = str(PartnerForm()["agency"])
    assert "<select" not in html and "/instansi/pilih/?field=agency" in html
    form = PartnerForm(
        {"agency": "kantah-sanggau", "mode": PartnerForm().fields["mode"].choices[0][0]}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["agency"].slug == "kantah-sanggau"


def test_anonymous_cannot_search(client: Any, db: Any) -> None:
    assert client.get("/instansi/pilih/?field=to_agency&q=dinas").status_code == 302
