"""The daily digest tick: the users it finds due in SQL are exactly those the old rule in
Python found (every zone, before and after the hour, sent today or yesterday, preference
off, no email, inactive, no membership), a tick after every digest is sent costs the same
few queries whatever the number of users, and a full batch leaves the rest for the next
tick."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from typing import Any

import pytest

from sinergi.accounts.models import User
from sinergi.agencies.models import Agency, Membership
from sinergi.notifications import digest as ndigest
from sinergi.notifications.models import DigestSent, EmailPreference
from sinergi.regions.models import Region

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 14, 10, 0, tzinfo=dt.UTC)  # 17:00 WIB, 18:00 WITA, 19:00 WIT
#: The zones stored on regions: the three of Indonesia, Pontianak (WIB, Sanggau's) and none.
ZONES = ("Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura", "")
#: Every hour from 03:00 WIB on 14 Dec to 07:00 WIB on 15 Dec: each zone before and after
#: 07:00 on two local dates.
MOMENTS = [dt.datetime(2026, 12, 13, 20, tzinfo=dt.UTC) + dt.timedelta(hours=h) for h in range(29)]


def old_due(now: dt.datetime, hour: int) -> set[tuple[int, dt.date]]:
    """Who the tick sent to before the rule moved to SQL: every active user with an email
    and a membership, the digest not switched off, placed in Python by ``user_place``."""
    users = (
        User.objects.filter(is_active=True, memberships__isnull=False)
        .exclude(email="")
        .exclude(notification_preference__daily_digest=False)
        .prefetch_related("memberships__agency__region")
        .distinct()
    )
    sent = set(DigestSent.objects.values_list("user_id", "date"))
    due = set()
    for user in users:
        _ids, tz, _code = ndigest.user_place(user)
        local = now.astimezone(tz)
        if local.hour >= hour and (user.pk, local.date()) not in sent:
            due.add((user.pk, local.date()))
    return due


def new_due(now: dt.datetime, hour: int) -> set[tuple[int, dt.date]]:
    return set(ndigest.digest_due_users(now=now, hour=hour, limit=10**6))


def _agency(zone: str, name: str = "") -> Agency:
    """A new agency in a region stored with ``zone`` (a new region for the empty zone)."""
    if zone:
        region = Region.objects.filter(timezone=zone, level="regency").order_by("code").first()
    else:
        region, _ = Region.objects.get_or_create(
            code="99.98", defaults={"name": "Tanpa zona", "level": "regency", "timezone": ""}
        )
    assert region is not None
    n = Agency.objects.count()
    return Agency.objects.create(
        slug=f"uji-digest-{n}",
        name=name or f"Dinas Uji {n}",
        kind="opd",
        region=region,
        created_at=NOW,
        updated_at=NOW,
    )


def _user(name: str, *agencies: Agency, email: bool = True, active: bool = True) -> User:
    user = User.objects.create_user(
        username=name, email=f"{name}@uji.invalid" if email else "", is_active=active
    )
    for agency in agencies:
        Membership.objects.create(
            user=user, agency=agency, role="staff", created_at=NOW, updated_at=NOW
        )
    return user


def _prefer(user: User, *, digest: bool) -> None:
    EmailPreference.objects.create(user=user, daily_digest=digest, updated_at=NOW)


def _sent(user: User, day: dt.date) -> None:
    DigestSent.objects.create(user=user, date=day, created_at=NOW)


@pytest.fixture
def population() -> dict[str, User]:
    """Users in every zone and state the rule tells apart, by name."""
    agencies = {zone: _agency(zone) for zone in ZONES}
    users: dict[str, User] = {}
    sent_on = (None, dt.date(2026, 12, 13), dt.date(2026, 12, 14), dt.date(2026, 12, 15))
    for (i, zone), day, pref in itertools.product(enumerate(ZONES), sent_on, (None, True, False)):
        name = f"z{i}-{day.day if day else 0}-{pref}"
        users[name] = user = _user(name, agencies[zone])
        if pref is not None:
            _prefer(user, digest=pref)
        if day:
            _sent(user, day)
    for i, zone in enumerate(ZONES):
        users[f"z{i}-no-email"] = _user(f"z{i}-no-email", agencies[zone], email=False)
        users[f"z{i}-inactive"] = _user(f"z{i}-inactive", agencies[zone], active=False)
    users["nowhere"] = _user("nowhere")
    for (i, first), (j, second) in itertools.permutations(enumerate(ZONES), 2):
        users[f"z{i}-then-z{j}"] = _user(f"z{i}-then-z{j}", agencies[first], agencies[second])
    # The first membership left: the second one places the user now.
    users["moved"] = moved = _user("moved", agencies["Asia/Jayapura"], agencies["Asia/Jakarta"])
    moved.memberships.get(agency=agencies["Asia/Jayapura"]).delete()
    return users


@pytest.mark.parametrize("hour", [7, 0, 23])
def test_due_users_in_sql_are_the_old_rule(population: dict[str, User], hour: int) -> None:
    seen: set[tuple[int, dt.date]] = set()
    for now in MOMENTS:
        due = new_due(now, hour)
        assert due == old_due(now, hour), now
        seen |= due
    if hour == 7:
        ids = {pk for pk, _day in seen}
        mine = {name for name, user in population.items() if user.pk in ids}
        # The table reaches each kind of user: due in every zone, never the ones left out.
        assert {"z0-0-None", "z1-13-True", "z2-14-None", "z3-15-None", "z4-0-True"} <= mine
        assert "z3-14-None" in mine  # sent on the 14th, due again on the 15th in WIT
        assert not {n for n in mine if n.endswith(("-False", "no-email", "inactive"))}
        assert "nowhere" not in mine


def test_several_zones_the_first_membership_decides(population: dict[str, User]) -> None:
    """Pins today's rule: the membership with the lowest id places the user, not the
    primary one nor the agency first by name."""
    wit_then_wib = population["z3-then-z0"]
    wib = wit_then_wib.memberships.get(agency__region__timezone="Asia/Jakarta")
    wib.is_primary = True
    wib.save(update_fields=["is_primary"])
    Agency.objects.filter(pk=wib.agency_id).update(name="AAA Dinas pertama menurut nama")
    seven_wit = dt.datetime(2026, 12, 13, 22, 0, tzinfo=dt.UTC)  # 05:00 in Jakarta
    assert (wit_then_wib.pk, dt.date(2026, 12, 14)) in new_due(seven_wit, 7)
    assert (population["z0-then-z3"].pk, dt.date(2026, 12, 14)) not in new_due(seven_wit, 7)
    ndigest.send_digests(now=seven_wit, hour=7)
    assert list(wit_then_wib.digests_sent.values_list("date", flat=True)) == [dt.date(2026, 12, 14)]
    # Placed by its second membership once the first is gone.
    assert (population["moved"].pk, dt.date(2026, 12, 14)) not in new_due(seven_wit, 7)


def _send_all(now: dt.datetime) -> None:
    while ndigest.send_digests(now=now, hour=7, batch=1000) != {"sent": 0, "empty": 0}:
        pass


@pytest.mark.parametrize("extra", [10, 300])
def test_tick_after_every_digest_is_sent_costs_a_few_queries(
    extra: int, django_assert_max_num_queries: Any
) -> None:
    agencies = [_agency(zone) for zone in ZONES]
    for i in range(extra):
        _user(f"banyak{i}", agencies[i % len(agencies)], agencies[(i + 1 + i % 3) % len(agencies)])
    _send_all(NOW)
    assert not new_due(NOW, 7)
    # The zones, then one query per local date among the zones past the hour; no user
    # is loaded whatever their number.
    with django_assert_max_num_queries(2):
        assert ndigest.send_digests(now=NOW + dt.timedelta(minutes=1)) == {"sent": 0, "empty": 0}
    with django_assert_max_num_queries(1):  # before 07:00 everywhere: the zones only
        ndigest.send_digests(now=dt.datetime(2026, 12, 14, 20, 0, tzinfo=dt.UTC))


def test_a_full_batch_leaves_the_rest_for_the_next_tick(population: dict[str, User]) -> None:
    before = new_due(NOW, 7)
    assert len(before) > 12
    done: list[tuple[int, dt.date]] = []
    ticks = 0
    while due := new_due(NOW, 7):
        result = ndigest.send_digests(now=NOW, hour=7, batch=5)
        ticks += 1
        gone = due - new_due(NOW, 7)
        assert len(gone) == result["sent"] + result["empty"] == min(5, len(due))
        assert gone == set(sorted(due)[:5])  # the lowest ids first, the others wait
        done += gone
    assert ticks == -(-len(before) // 5)
    assert len(done) == len(set(done)) and set(done) == before  # each once, on their date
    assert ndigest.send_digests(now=NOW, hour=7, batch=5) == {"sent": 0, "empty": 0}


def test_a_user_claimed_by_another_worker_is_skipped(
    population: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers selected the same users: the second finds the row and sends nothing."""
    user = population["z0-0-None"]
    day = dt.date(2026, 12, 14)
    stale = [(user.pk, day)]
    _sent(user, day)  # the other worker's row, after this one's selection
    monkeypatch.setattr(ndigest, "digest_due_users", lambda **_: stale)
    assert ndigest.send_digests(now=NOW) == {"sent": 0, "empty": 0}
    assert user.digests_sent.filter(date=day).count() == 1


def test_an_unknown_zone_leaves_the_others_their_digest(
    population: dict[str, User], caplog: pytest.LogCaptureFixture
) -> None:
    region = Region.objects.create(
        code="99.97", name="Zona salah", level="regency", timezone="Asia/Atlantis"
    )
    agency = _agency("Asia/Jakarta")
    Agency.objects.filter(pk=agency.pk).update(region=region)
    lost = _user("zona-salah", agency)
    with caplog.at_level(logging.WARNING, logger="sinergi.notifications.digest"):
        due = new_due(NOW, 7)
    assert lost.pk not in {pk for pk, _day in due}
    assert population["z0-0-None"].pk in {pk for pk, _day in due}
    assert "Asia/Atlantis" in caplog.text
