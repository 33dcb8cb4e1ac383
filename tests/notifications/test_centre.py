"""The notification centre: the bell on every page equals /notifikasi/, filters, mark
read (one, all) in the UI and the API (responses validated against OpenAPI)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sinergi.accounts.models import User
from sinergi.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _note(user: str, now: Any, module: str = "coordination", urgent: bool = False) -> Notification:
    return Notification.objects.create(
        user=User.objects.get(username=user),
        event=f"{module}.thing.done",
        module=module,
        kind="done",
        title=f"Uji {module}",
        urgent=urgent,
        created_at=now,
    )


def _bell(html: str) -> int:
    found = re.search(r'data-unread="(\d+)"', html)
    assert found, "no bell on the page"
    return int(found.group(1))


def _count(html: str) -> int:
    found = re.search(r'id="notification-count">(\d+)', html)
    assert found
    return int(found.group(1))


def test_bell_count_equals_the_centre_on_every_page(client_as: Any, now: Any) -> None:
    _note("dinkes", now)
    _note("dinkes", now, module="blood")
    page = client_as("dinkes")
    for url in ("/", "/permintaan/", "/program/", "/darah/", "/data/"):
        html = page.get(url).content.decode()
        assert 'hx-get="/notifikasi/lonceng/"' in html and 'hx-trigger="every 20s"' in html
    bell = _bell(page.get("/program/").content.decode())
    unread = Notification.objects.filter(user__username="dinkes", read_at=None).count()
    assert bell == unread == _count(page.get("/notifikasi/?unread=on").content.decode())
    blood = page.get("/notifikasi/?module=blood&unread=on").content.decode()
    assert _count(blood) == 1 and "Uji blood" in blood and "Uji coordination" not in blood


def test_mark_one_and_all_read(client_as: Any, now: Any) -> None:
    one, other = _note("dinkes", now), _note("dinkes", now, module="blood")
    page = client_as("dinkes")
    before = _bell(page.get("/").content.decode())
    assert page.post(f"/notifikasi/{one.pk}/dibaca/").status_code == 302
    assert _bell(page.get("/").content.decode()) == before - 1
    # Someone else's notification is not found.
    assert client_as("pertanahan").post(f"/notifikasi/{other.pk}/dibaca/").status_code == 404
    page.post("/notifikasi/dibaca/", {"module": "blood"})
    other.refresh_from_db()
    assert other.read_at is not None
    page.post("/notifikasi/dibaca/")
    assert _bell(page.get("/").content.decode()) == 0


def test_the_bell_fragment_is_light_and_shows_urgent_alerts(
    client_as: Any, now: Any, django_assert_max_num_queries: Any
) -> None:
    _note("pmi", now, module="blood", urgent=True)
    page = client_as("pmi")
    with django_assert_max_num_queries(4):  # session, user, the one COUNT
        html = page.get("/notifikasi/lonceng/").content.decode()
    assert "bell-urgent" in html and 'id="notification-bell"' in html


def test_api_lists_filters_and_marks_read(api_as: Any, now: Any) -> None:
    mine = _note("dinkes", now, module="blood", urgent=True)
    _note("dinkes", now)
    api = api_as("dinkes")
    unread = api.get("/api/v1/notifications?unread=true").json()
    total = Notification.objects.filter(user__username="dinkes", read_at=None).count()
    assert unread["count"] == total
    blood = api.get("/api/v1/notifications?module=blood").json()["items"]
    assert [n["id"] for n in blood] == [mine.pk] and blood[0]["urgent"] is True
    assert api.get("/api/v1/notifications/unread").json()["urgent"] == 1
    read = api.post(f"/api/v1/notifications/{mine.pk}/read", {})
    assert read.status_code == 200 and read.json()["read_at"]
    assert api_as("pertanahan").post(f"/api/v1/notifications/{mine.pk}/read", {}).status_code == 404
    assert api.post("/api/v1/notifications/read", {}).json()["marked"] == total - 1
    assert api.get("/api/v1/notifications/unread").json()["unread"] == 0
    assert api.get("/api/v1/notifications?module=nope").status_code == 422


def test_preferences_choose_delivery_and_channels(client_as: Any, api_as: Any) -> None:
    page = client_as("pmi")
    html = page.get("/notifikasi/preferensi/").content.decode()
    assert 'name="cat_blood"' in html and 'name="phone"' in html
    bad = page.post("/notifikasi/preferensi/", {"whatsapp": "on", "phone": "12345"})
    assert bad.status_code == 400
    ok = page.post(
        "/notifikasi/preferensi/",
        {"cat_blood": "digest", "phone": "0812 1111 2222", "whatsapp": "on", "daily_digest": "on"},
    )
    assert ok.status_code == 302
    prefs = api_as("pmi").get("/api/v1/notifications/preferences").json()
    assert prefs["delivery"]["blood"] == "digest" and prefs["phone"] == "+6281211112222"
    assert prefs["whatsapp"] is True and prefs["sms"] is False
    put = api_as("pmi").request(
        "put", "/api/v1/notifications/preferences", {**prefs, "sms": True, "whatsapp": False}
    )
    assert put.status_code == 200 and put.json()["sms"] is True
