"""Public program pages under /publik/program/: no sign-in, no personal data, internal
programs answer 404."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

import pytest

SPAM = "SPAM-SANGGAU-2026"
STUNTING = "STUNTING-2026"


@pytest.mark.django_db
def test_public_list_and_page_without_sign_in(client: Any, now: dt.datetime) -> None:
    from sinergi.accounts.models import User
    from sinergi.programs.models import Program, ProgressUpdate, WorkItem
    from sinergi.programs.services import workitem_update

    spam = Program.objects.get(code=SPAM)
    person = User.objects.get(username="pertanahan")
    item = WorkItem.objects.get(program=spam, wbs="2.4")
    workitem_update(
        actor=person.__class__.objects.get(username="bupati"), item=item, assignee=person, now=now
    )
    blocked = ProgressUpdate.objects.filter(program=spam).exclude(blocker="").first()
    noted = ProgressUpdate.objects.filter(program=spam).exclude(note="").first()
    r = client.get("/publik/program/")
    assert r.status_code == 200
    page = r.content.decode()
    assert spam.title in page and STUNTING not in page
    r = client.get(f"/publik/program/{SPAM}/")
    assert r.status_code == 200
    page = r.content.decode()
    assert spam.goal[:40] in page and spam.coordinator.name in page
    for p in spam.partnerships.select_related("agency"):
        assert p.agency.name in page
    from django.utils.html import escape

    from sinergi.programs.models import Indicator

    names = [ind.name for ind in Indicator.objects.filter(program=spam)]
    assert names and all(escape(n) in page for n in names)
    assert 'id="public-progress"' in page and "<svg" in page
    # No personal data, notes or blockers' free text.
    assert person.username not in page
    if person.get_full_name():
        assert person.get_full_name() not in page
    assert blocked is not None and noted is not None
    assert escape(blocked.blocker) not in page and escape(noted.note) not in page
    # The Gantt is well-formed SVG.
    start = page.index("<svg", page.index('class="gantt-wrap"'))
    end = page.index("</svg>", start) + len("</svg>")
    ET.fromstring(page[start:end])  # noqa: S314 - our own output
    assert client.get(f"/publik/program/{SPAM}/?zoom=week").status_code == 200


@pytest.mark.django_db
def test_internal_program_is_404_publicly_even_for_its_parties(client_as: Any) -> None:
    from sinergi.programs.models import Program

    assert Program.objects.get(code=STUNTING).visibility == "internal"
    assert client_as(None).get(f"/publik/program/{STUNTING}/").status_code == 404
    assert client_as("admin").get(f"/publik/program/{STUNTING}/").status_code == 404
    assert client_as(None).get("/publik/program/TIDAK-ADA/").status_code == 404
    assert client_as(None).get("/publik/").content.decode().count("/publik/program/") >= 1
