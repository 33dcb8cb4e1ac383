"""The main list pages run a number of queries that does not grow with their rows.

Each test counts the queries of a page on the session demo, adds rows the page lists
(copies of demo rows, bulk inserted), and asserts the page runs no more queries than
before (a few more are allowed for sections that appear once there is something to
show). A query per row would add dozens.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sinergi.accounts.models import User

ROWS = 40  # rows added; a per-row query would add at least this many
SLACK = 3  # sections that appear once they have something to show


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def _clone(qs: QuerySet[Any], n: int, **vary: Callable[[int], Any]) -> list[Model]:
    """``n`` copies of the rows of ``qs`` (cycled), with ``vary`` giving unique fields."""
    sources = list(qs[:10])
    assert sources, qs.model
    made = []
    for i in range(n):
        obj = copy.copy(sources[i % len(sources)])
        obj._state = ModelState()
        obj.pk = None
        for name, value in vary.items():
            setattr(obj, name, value(i))
        made.append(obj)
    return qs.model.objects.bulk_create(made)  # type: ignore[no-any-return]


def _holds(
    client: Client, url: str, add: Callable[[], None], django_assert_max_num_queries: Any
) -> None:
    before = _queries(client, url)
    add()
    with django_assert_max_num_queries(before + SLACK):
        response = client.get(url)
    assert response.status_code == 200


def _add_requests(**filters: Any) -> Callable[[], None]:
    from sinergi.coordination.models import Request

    def add() -> None:
        _clone(
            Request.objects.filter(**filters).order_by("pk"),
            ROWS,
            subject=lambda i: f"Salinan uji {i}",
        )

    return add


@pytest.mark.django_db
def test_request_inbox(django_assert_max_num_queries: Any) -> None:
    from sinergi.coordination.choices import OPEN_STATUSES

    add = _add_requests(to_agency__slug="dinkes-sanggau", status__in=OPEN_STATUSES)
    _holds(_client("dinkes"), "/permintaan/", add, django_assert_max_num_queries)


@pytest.mark.django_db
def test_request_list(django_assert_max_num_queries: Any) -> None:
    # 30 rows a page: the first page fills up with the added rows.
    _holds(_client("bupati"), "/permintaan/daftar/", _add_requests(), django_assert_max_num_queries)


@pytest.mark.django_db
def test_request_list_last_page(django_assert_max_num_queries: Any) -> None:
    _holds(
        _client("bupati"),
        "/permintaan/daftar/?page=last",
        _add_requests(),
        django_assert_max_num_queries,
    )


@pytest.mark.django_db
def test_dashboard(django_assert_max_num_queries: Any) -> None:
    _holds(_client("bupati"), "/dasbor/", _add_requests(), django_assert_max_num_queries)


@pytest.mark.django_db
def test_programme_list(django_assert_max_num_queries: Any) -> None:
    from sinergi.programs.models import Program

    def add() -> None:
        _clone(Program.objects.order_by("pk"), ROWS, code=lambda i: f"UJI-{i:03d}")

    _holds(_client("bupati"), "/program/", add, django_assert_max_num_queries)


@pytest.mark.django_db
def test_agency_directory(django_assert_max_num_queries: Any) -> None:
    from sinergi.agencies.models import Agency

    def add() -> None:
        _clone(
            Agency.objects.filter(kind="opd").order_by("pk"),
            ROWS,
            slug=lambda i: f"uji-opd-{i:03d}",
            name=lambda i: f"Instansi Uji {i:03d}",
        )

    _holds(_client("bupati"), "/instansi/", add, django_assert_max_num_queries)


@pytest.mark.django_db
def test_catalog_list(django_assert_max_num_queries: Any) -> None:
    from sinergi.catalog.models import Dataset

    def add() -> None:
        _clone(
            Dataset.objects.filter(status="published").order_by("pk"),
            ROWS,
            slug=lambda i: f"data-uji-{i:03d}",
        )

    _holds(_client("bupati"), "/data/", add, django_assert_max_num_queries)


@pytest.mark.django_db
def test_notifications(django_assert_max_num_queries: Any) -> None:
    from sinergi.notifications.models import Notification

    user = User.objects.get(username="dinkes")

    def add() -> None:
        _clone(Notification.objects.filter(user=user).order_by("pk"), ROWS)

    _holds(_client("dinkes"), "/notifikasi/", add, django_assert_max_num_queries)


@pytest.mark.django_db
def test_case_list(django_assert_max_num_queries: Any) -> None:
    from sinergi.agencies.models import Membership
    from sinergi.cases.models import Case

    case = Case.objects.select_related("service").order_by("pk").first()
    assert case is not None
    member = Membership.objects.filter(agency_id=case.service.front_agency_id).first()
    assert member is not None

    def add() -> None:
        _clone(
            Case.objects.filter(service__front_agency_id=case.service.front_agency_id),
            ROWS,
            code=lambda i: f"UJI-{i:05d}",
        )

    _holds(_client(member.user.username), "/layanan/kasus/", add, django_assert_max_num_queries)


@pytest.mark.django_db
def test_blood_units(django_assert_max_num_queries: Any) -> None:
    from sinergi.agencies.models import Agency

    def add() -> None:
        _clone(
            Agency.objects.filter(kind="blood_unit", is_active=True).order_by("pk"),
            ROWS // 4,
            slug=lambda i: f"udd-uji-{i:03d}",
            name=lambda i: f"UDD Uji {i:03d}",
        )

    _holds(_client("bupati"), "/darah/", add, django_assert_max_num_queries)


def _add_blood_units() -> None:
    """Blood units as the demo's are: profile, stock cells and issues in the rate window."""
    from sinergi.agencies.models import Agency
    from sinergi.blood.models import Movement, Stock, UnitProfile

    sources = list(Agency.objects.filter(kind="blood_unit", is_active=True).order_by("pk"))
    made = _clone(
        Agency.objects.filter(pk__in=[u.pk for u in sources]).order_by("pk"),
        ROWS // 4,
        slug=lambda i: f"udd-uji-{i:03d}",
        name=lambda i: f"UDD Uji {i:03d}",
    )
    for i, unit in enumerate(made):
        source = sources[i % len(sources)]
        profile = UnitProfile.objects.filter(unit=source).first()
        if profile is not None:
            profile.pk = None
            profile._state = ModelState()
            profile.unit = unit
            profile.save()
        stock = Stock.objects.filter(unit=source).order_by("pk")
        if stock.exists():
            _clone(stock, min(stock.count(), 10), unit=lambda _i, u=unit: u)
        issued = Movement.objects.filter(unit=source, kind="issued").order_by("-occurred_at")
        if issued.exists():
            _clone(issued, 4, unit=lambda _i, u=unit: u)


@pytest.mark.django_db
def test_blood_units_with_stock(django_assert_max_num_queries: Any) -> None:
    """The blood index with units that have stock and issues: one query per table, not
    per unit."""
    _holds(_client("bupati"), "/darah/", _add_blood_units, django_assert_max_num_queries)


@pytest.mark.django_db
def test_public_blood(django_assert_max_num_queries: Any) -> None:
    """``/publik/darah/`` reads the stock of the units it shows in one query."""
    from sinergi.blood import ticker

    def cold() -> None:
        # The ticker's recent answers and its answers per database state dropped: an
        # earlier test in the same process may have computed the demo's state already,
        # which would spare the first measurement the ticker's own queries.
        ticker.forget()
        ticker._CACHE.clear()

    def add() -> None:
        _add_blood_units()
        cold()

    cold()
    _holds(Client(), "/publik/darah/", add, django_assert_max_num_queries)


def _add_datasets(**vary: Callable[[int], Any]) -> Callable[[], None]:
    from sinergi.catalog.models import Dataset

    def add() -> None:
        _clone(
            Dataset.objects.filter(status="published", access_level="public").order_by("pk"),
            ROWS,
            slug=lambda i: f"data-uji-{i:03d}",
            **vary,
        )

    return add


def _spread_publishers() -> Callable[[int], Any]:
    """A different active agency for each added dataset (the publisher facet grows)."""
    from sinergi.agencies.models import Agency

    agencies = list(Agency.objects.filter(is_active=True).order_by("pk")[:ROWS])
    return lambda i: agencies[i % len(agencies)]


@pytest.mark.django_db
def test_catalog_search(django_assert_max_num_queries: Any) -> None:
    add = _add_datasets(title=lambda i: f"Stunting uji {i:03d}")
    _holds(_client("dinkes"), "/data/?q=stunting", add, django_assert_max_num_queries)


@pytest.mark.django_db
def test_public_catalog(django_assert_max_num_queries: Any) -> None:
    add = _add_datasets(publisher=_spread_publishers())
    _holds(Client(), "/publik/data/", add, django_assert_max_num_queries)


@pytest.mark.django_db
def test_public_agencies(django_assert_max_num_queries: Any) -> None:
    from sinergi.agencies.models import Agency

    def add() -> None:
        _clone(
            Agency.objects.filter(kind="opd").order_by("pk"),
            ROWS,
            slug=lambda i: f"uji-opd-{i:03d}",
            name=lambda i: f"Instansi Uji {i:03d}",
        )

    _holds(Client(), "/publik/instansi/", add, django_assert_max_num_queries)


def _add_programmes_with_work() -> None:
    from sinergi.programs.models import Program, WorkItem

    made = _clone(Program.objects.order_by("pk"), ROWS, code=lambda i: f"UJI-{i:03d}")
    source = WorkItem.objects.order_by("pk").first()
    assert source is not None
    items = []
    for i, program in enumerate(made):
        item = copy.copy(source)
        item._state = ModelState()
        item.pk = None
        item.program = program
        item.wbs = f"9.{i}"
        items.append(item)
    WorkItem.objects.bulk_create(items)


@pytest.mark.parametrize(
    ("url", "add"),
    [
        ("/api/v1/datasets", "datasets"),
        ("/api/v1/agencies", "agencies"),
        ("/api/v1/programs", "programmes"),
        ("/api/v1/programs/handoffs", "programmes"),
        ("/api/v1/programs/my-work", "programmes"),
    ],
)
@pytest.mark.django_db
def test_api_lists(url: str, add: str, django_assert_max_num_queries: Any) -> None:
    from sinergi.agencies.models import Agency

    def agencies() -> None:
        _clone(
            Agency.objects.filter(kind="opd").order_by("pk"),
            ROWS,
            slug=lambda i: f"uji-opd-{i:03d}",
            name=lambda i: f"Instansi Uji {i:03d}",
        )

    adders = {
        "datasets": _add_datasets(publisher=_spread_publishers()),
        "agencies": agencies,
        "programmes": _add_programmes_with_work,
    }
    _holds(_client("bupati"), url, adders[add], django_assert_max_num_queries)


@pytest.mark.django_db
def test_api_datasets_builds_the_page_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dataset list turns only the rows of the page into output, not every row."""
    from sinergi.catalog import api

    _add_datasets()()
    built: list[str] = []
    real = api.dataset_out

    def counting(d: Any) -> Any:
        built.append(d.slug)
        return real(d)

    monkeypatch.setattr(api, "dataset_out", counting)
    response = _client("bupati").get("/api/v1/datasets?limit=5&offset=3")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] > ROWS
    assert len(body["items"]) == 5
    assert built == [item["slug"] for item in body["items"]]
