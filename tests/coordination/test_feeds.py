"""Calendar feeds per user and per agency: a secret, revocable address."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from sinergi.coordination import services
from sinergi.coordination.models import CalendarFeed
from sinergi.core.exceptions import ValidationFailed

from .helpers import at, submit, user
from .test_flows import _check_ics

pytestmark = pytest.mark.django_db


def test_feed_lifecycle(client_as: Any) -> None:
    r = submit(by="pupr", to="dinkes-sanggau", subject="Uji air sumur", now=at(2026, 11, 2))
    dinkes = client_as("dinkes")
    page = dinkes.post("/rapat/kalender/", {"agency": "dinkes-sanggau"})
    assert page.status_code == 200
    match = re.search(rb"http://testserver(/rapat/kalender/[A-Za-z0-9_\-]+\.ics)", page.content)
    assert match, "the new address is shown once"
    url = match.group(1).decode()
    feed = Client().get(url)  # no session: the token is the key
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    _check_ics(feed.content)
    assert f"request-{r.pk}-1@sinergi".encode() in feed.content
    assert r.due_date.strftime("DTSTART;VALUE=DATE:%Y%m%d").encode() in feed.content
    assert b"Rakor konvergensi penurunan stunting" in feed.content  # the demo meeting
    assert b"Rakor percepatan IPA" not in feed.content  # Dinkes was not invited
    # The list does not show the address again; revoking it turns it off.
    listing = dinkes.get("/rapat/kalender/")
    assert url.encode() not in listing.content
    feed_id = CalendarFeed.objects.get(user__username="dinkes").pk
    assert client_as("pertanahan").post(f"/rapat/kalender/{feed_id}/cabut/").status_code == 404
    assert dinkes.post(f"/rapat/kalender/{feed_id}/cabut/").status_code == 302
    assert Client().get(url).status_code == 404
    assert Client().get("/rapat/kalender/not-a-token.ics").status_code == 404


def test_feed_only_for_own_agencies(now: Any) -> None:
    with pytest.raises(ValidationFailed):
        services.feed_create(actor=user("dinkes"), agency="kantah-sanggau", now=now)
    _feed, token = services.feed_create(actor=user("dinkes"), now=now)
    assert len(token) >= 40
