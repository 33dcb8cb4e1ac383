"""Filter columns (kolom penyaring): the publisher marks the columns people filter on, a
background task stores the version sorted by them, and every page reads the same rows in
the same order as from the unsorted table: filters, sorts with ties, offsets, totals and
CKAN's ``_id``. The comparisons also run against a plain-Python answer, so a clustered
copy that reordered rows would fail here even if both DuckDB tables agreed."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from sinergi.catalog import ckan_datastore, tabular
from sinergi.catalog.models import Dataset
from sinergi.catalog.selectors import version_path
from sinergi.core.models import AuditEntry

ROWS = 40_000  # above the clustered copy's row group (16,384): several groups to skip
CLUSTER = ["kec", "kat"]


def _csv(rows: int) -> bytes:
    """Rows with repeated filter values, empty ones, and a sort column full of ties."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["kec", "kat", "nilai", "tanggal", "teks"])
    for i in range(rows):
        kec = "" if i % 97 == 0 else f"Kec{(i * 7) % 9}"
        day = dt.date(2026, 1, 1) + dt.timedelta(days=i % 31)
        nilai = "" if i % 89 == 0 else str((i * 13) % 50)
        writer.writerow([kec, f"K{i % 5}", nilai, day.isoformat(), f"catatan {i % 11}"])
    return out.getvalue().encode()


@pytest.fixture(scope="module")
def version(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, str]]]:
    """A version and its copy clustered by (kec, kat)."""
    root = tmp_path_factory.mktemp("clustered")
    ingested = tabular.ingest_csv(_csv(ROWS), root=root, max_bytes=10**8)
    tabular.ensure_clustered(ingested.path, CLUSTER)
    return ingested.path, ingested.columns


def _oracle(path: Path, filters: dict[str, Any], sort: list[tuple[str, bool]]) -> list[int]:
    """Row positions (0-based) matching equality filters, stably sorted (ties in file
    order), nulls last: what every page must be a slice of."""
    import pyarrow.parquet as pq

    table = pq.read_table(path).to_pylist()
    wanted = {k: v if isinstance(v, list) else [v] for k, v in filters.items()}
    hits = [i for i, r in enumerate(table) if all(r[k] in vs for k, vs in wanted.items())]
    for name, desc in reversed(sort):
        present = [i for i in hits if table[i][name] is not None]
        missing = [i for i in hits if table[i][name] is None]
        present.sort(key=lambda i: table[i][name], reverse=desc)  # stable either way
        hits = present + missing
    return hits


CASES: list[dict[str, Any]] = [
    {"filters": {"kec": "Kec3"}},
    {"filters": {"kec": "Kec3"}, "offset": 150},
    {"filters": {"kec": "Kec3"}, "offset": 4440},
    {"filters": {"kec": "Kec3", "kat": "K1"}, "sort": "nilai desc"},
    {"filters": {"kec": "Kec3", "kat": "K1"}, "sort": "nilai desc", "offset": 37},
    {"filters": {"kec": ["Kec1", "Kec8"]}, "sort": "nilai asc, tanggal desc"},
    {"filters": {"kec": None}, "sort": "nilai"},
    {"filters": {"kec": "Kec5", "kat": ["K0", "K4"]}, "sort": "tanggal", "limit": 7},
    {"filters": {"kec": "Kec2"}, "q": "catatan 3"},
    {"filters": {"kec": "Kec2"}, "fields": ["nilai"], "sort": "nilai desc"},
    {"filters": {"kec": "Kec2"}, "with_total": False, "offset": 10},
    {"filters": {"kec": "Tidak ada"}},
    {"filters": {"kat": "K2"}, "sort": "nilai"},  # not on the leading column: own table
]


@pytest.mark.parametrize("case", CASES)
def test_clustered_pages_match_the_unclustered_table(
    version: tuple[Path, list[dict[str, str]]], case: dict[str, Any]
) -> None:
    path, columns = version
    args = {"limit": 100, **case}
    plain = tabular.query(path, columns, **args)
    clustered = tabular.query(path, columns, cluster=CLUSTER, **args)
    assert (clustered.rows, clustered.total) == (plain.rows, plain.total)
    leading = CLUSTER[0] in case["filters"]
    assert (
        tabular.pick_source(path, [c["name"] for c in columns], CLUSTER, case["filters"]).clustered
        is leading
    )
    if "q" in case or "fields" in case:
        return
    sort = [
        (part.split()[0], part.strip().endswith("desc"))
        for part in case.get("sort", "").split(",")
        if part.strip()
    ]
    expected = _oracle(path, case["filters"], sort)
    offset = case.get("offset", 0)
    page = expected[offset : offset + args["limit"]]
    import pyarrow.parquet as pq

    table = pq.read_table(path).to_pylist()
    want = [{k: tabular._jsonable(v) for k, v in table[i].items()} for i in page]  # noqa: SLF001
    assert clustered.rows == want
    if case.get("with_total", True):
        assert clustered.total == len(expected)
    assert len(expected) > 0 or case["filters"]["kec"] == "Tidak ada"


@pytest.mark.parametrize(
    "case",
    [
        {"filters": {"kec": "Kec4"}},
        {"filters": {"kec": "Kec4"}, "sort": "nilai desc", "offset": 20},
        {"filters": {"kec": "Kec4", "_id": [5, 6, 7, 1000, 37000]}},
        {"filters": {"kec": "Kec4"}, "sort": "_id desc", "records_format": "lists"},
        {"filters": {"kec": "Kec4"}, "q": "catatan 7", "records_format": "csv"},
        {"filters": {"kec": "Kec4"}, "distinct": True, "fields": ["kat"]},
        {"filters": {"kec": "Kec4"}, "fields": ["_id", "kat"], "with_total": False},
    ],
)
def test_datastore_search_is_the_same_on_the_clustered_copy(
    version: tuple[Path, list[dict[str, str]]], case: dict[str, Any]
) -> None:
    path, columns = version
    plain = ckan_datastore.search(path, columns, limit=50, **case)
    clustered = ckan_datastore.search(path, columns, limit=50, cluster=CLUSTER, **case)
    assert (clustered.fields, clustered.records, clustered.total) == (
        plain.fields,
        plain.records,
        plain.total,
    )
    if case.get("fields") is None and "records_format" not in case and not case.get("sort"):
        # _id is the row's 1-based position in the version, as in CKAN.
        import pyarrow.parquet as pq

        table = pq.read_table(path).to_pylist()
        for record in clustered.records:
            assert table[record["_id"] - 1]["nilai"] == record["nilai"]
            assert table[record["_id"] - 1]["tanggal"].isoformat() == record["tanggal"]


def test_suggestions_are_repeated_text_columns(version: tuple[Path, Any]) -> None:
    path, columns = version
    stats = tabular.column_stats(path, columns)
    assert tabular.suggest_filter_columns(stats, ROWS) == ["teks", "kec", "kat"]


# --- the product: publisher, service, task, API, page --------------------------------


@pytest.fixture
def published(draft: Any, users: dict[str, Any], now: dt.datetime) -> Any:
    """The Dinkes dataset with a version of 40,000 rows, published."""
    from sinergi.catalog.services import version_upload

    version_upload(actor=users["staff"], dataset=draft, data=_csv(ROWS), now=now)
    Dataset.objects.filter(pk=draft.pk).update(status="published")
    return Dataset.objects.get(pk=draft.pk)


def test_publisher_marks_filter_columns_through_the_api(
    published: Any,
    api_as: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django_tasks_db.models import DBTaskResult

    from sinergi.catalog.tasks import cluster_version

    url = f"/api/v1/datasets/{published.slug}"
    assert api_as("other_staff").patch(url, {"filter_columns": ["kec"]}).status_code in {403, 404}
    too_many = api_as("staff").patch(url, {"filter_columns": ["kec", "kat", "teks", "nilai"]})
    assert too_many.status_code == 422
    unknown = api_as("staff").patch(url, {"filter_columns": ["kecamatan"]})
    assert (
        unknown.status_code == 422 and "kecamatan" in unknown.json()["fields"]["filter_columns"][0]
    )
    # Other metadata of a published dataset still goes through the walidata.
    mixed = api_as("staff").patch(url, {"description": "Baru", "filter_columns": ["kec"]})
    assert mixed.status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        ok = api_as("staff").patch(url, {"filter_columns": ["kec", "kat"]})
    assert ok.status_code == 200, ok.content
    assert ok.json()["filter_columns"] == ["kec", "kat"]
    assert DBTaskResult.objects.filter(task_path__endswith="cluster_version").count() == 1
    entry = AuditEntry.objects.filter(action="dataset.update", object_id=str(published.pk)).last()
    assert entry is not None and entry.after["filter_columns"] == ["kec", "kat"]

    latest = published.latest_version()
    names = [c["name"] for c in latest.columns]
    path = version_path(latest)
    assert not tabular.pick_source(path, names, ["kec", "kat"], {"kec": "Kec1"}).clustered
    before = api_as(None).get(f"{url}/data?filters=%7B%22kec%22%3A%22Kec1%22%7D&sort=nilai+desc")
    cluster_version.call(latest.pk)  # what the worker runs
    assert tabular.pick_source(path, names, ["kec", "kat"], {"kec": "Kec1"}).clustered
    after = api_as(None).get(f"{url}/data?filters=%7B%22kec%22%3A%22Kec1%22%7D&sort=nilai+desc")
    assert after.status_code == 200 and after.json() == before.json()
    assert after.json()["total"] > 0

    # The periodic sweep keeps the sorted copy of the current filter columns only.
    from sinergi.catalog.services import sweep_orphan_files

    stale = tabular.ensure_clustered(path, ["kat"])
    sweep_orphan_files(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    assert tabular.clustered_path(path, ["kec", "kat"]).exists()
    assert not stale.exists()


def test_filter_columns_form_in_indonesian(published: Any, client_as: Any) -> None:
    staff = client_as("staff")
    page = staff.get(f"/data/{published.slug}/").content.decode()
    assert "Kolom penyaring" in page and "kec (disarankan)" in page
    url = f"/data/{published.slug}/kolom-penyaring/"
    gap = staff.post(url, {"first": "", "second": "kec"}, follow=True).content.decode()
    assert "Isi kolom penyaring mulai dari yang pertama." in gap
    twice = staff.post(url, {"first": "kec", "second": "kec"}, follow=True).content.decode()
    assert "Satu kolom dipilih dua kali." in twice
    assert Dataset.objects.get(pk=published.pk).filter_columns == []
    staff.post(url, {"first": "kat", "second": "kec"})
    assert Dataset.objects.get(pk=published.pk).filter_columns == ["kat", "kec"]
    assert client_as("other_staff").post(url, {"first": "kec"}).status_code == 403
