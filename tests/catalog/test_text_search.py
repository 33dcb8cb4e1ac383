"""The catalog's text search goes through the trigram index (FTS5 on SQLite, pg_trgm on
PostgreSQL) and finds exactly the rows the plain ``icontains`` filter finds; the index
follows every insert, edit and delete of a dataset; odd input never breaks the page."""

from __future__ import annotations

import copy
import importlib
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.db.models.base import ModelState
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sinergi.catalog.models import Dataset, Tag
from sinergi.catalog.selectors import TRIGRAMS_MAX, datasets_matching, datasets_search, fts_query

pytestmark = pytest.mark.django_db

SQLITE = connection.vendor == "sqlite"
only_sqlite = pytest.mark.skipif(not SQLITE, reason="the FTS5 table is SQLite's")
only_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the pg_trgm indexes are PostgreSQL's"
)

LONG = "Rekapitulasi " + " ".join(f"kecamatan-{i}" for i in range(12)) + " tahun 2026"
# (title, description, slug, tags)
TRICKY = [
    ("Prevalensi STUNTING balita", "Per desa.", "uji-stunting-balita", []),
    ("stunting", "", "uji-stunting", []),
    ("Data gizi", "Intervensi Stunting terpadu per kecamatan.", "uji-gizi", ["Gizi"]),
    ("ÉNERGIE terbarukan", "Listrik desa.", "uji-energie-besar", []),
    ("énergie surya", "Panel di kantor desa.", "uji-energie-kecil", []),
    ("Ärzte und Ämter", "Straße, Ölpreis.", "uji-umlaut", []),
    ("Capaian 50% vaksinasi", "Target 100%.", "uji-lima-puluh-persen", []),
    ("Capaian 500 vaksinasi", "Target 1000.", "uji-lima-ratus", []),
    ("angka_kematian ibu", "", "uji-angka-garis-bawah", []),
    ("angkaXkematian bayi", "", "uji-angka-x", []),
    ("Kunjungan Puskesmas", "Rawat jalan.", "uji-puskesmas", ["kesehatan"]),
    ('Kutipan "resmi" data', "Dua*bintang dan (robusta) OR arabika", "uji-kutipan", []),
    ("Jalan 🚧 rusak", "Ruas jalan kabupaten.", "uji-jalan", []),
    ("Ṣalat dan ṣaum", "", "uji-unicode", []),
    ("Garis miring a\\b", "back\\slash \\% persen", "uji-backslash", []),
    ("ab", "x", "ab", ["ab"]),
    ("Tabel\tdengan tab", "baris\nbaru", "uji-tab", []),
    (LONG, "", "uji-panjang", []),
]

TERMS = [
    "stunting", "STUNTING", "Stun", "st", "s", "gizi", "GIZI", "Gizi",
    "énergie", "ÉNERGIE", "Énergie", "nergie", "NERGIE", "ärzte", "ÄRZTE", "straße", "STRASSE",
    "50%", "50", "%", "%%", "50%%", "0% ", "_", "a_k", "angka_k", "angka%k", "angkaXk",
    "kesmas", "PUSKESMAS", "puskesmas kunjungan", "kunjungan puskesmas", "Kunjungan Pu",
    '"', '""', '"resmi"', 'resmi"', '" OR "', "*", "Dua*", "a*b", "OR", "OR arabika",
    "(robusta)", "(", ")", "NEAR(a b)", "title:stunting", "{title}: x", "^stu", "-stunting",
    "stunting AND", "'", "''", "\\", "a\\b", "\\%", "\\% persen", "🚧", "🚧 r", "n 🚧",
    "Ṣalat", "ṣalat", "ṢALAT", "ab", "AB", "a", " ", "   ", "l d", "ab ", "\t", "tab\td",
    "x" * 500, "stunting" * 30, LONG, LONG.upper(), LONG[5:-5], LONG + "!",
    "uji-", "uji-lima", "-", "--", "kesehatan", "Kesehatan",
]  # fmt: skip


def _make(rows: list[tuple[str, str, str, list[str]]]) -> list[Dataset]:
    """Datasets with these texts, copied from a published one of the demo."""
    source = Dataset.objects.filter(status="published", access_level="public").first()
    assert source is not None
    made = []
    for title, description, slug, _tags in rows:
        obj = copy.copy(source)
        obj._state = ModelState()
        obj.pk = None
        obj.title, obj.description, obj.slug = title, description, slug
        made.append(obj)
    made = Dataset.objects.bulk_create(made)
    for obj, (*_text, tags) in zip(made, rows, strict=True):
        obj.tags.add(*[Tag.objects.get_or_create(name=name)[0] for name in tags])
    return made


def _plain(term: str) -> set[int]:
    """What the search found before the index: icontains on the three texts, iexact tag."""
    return set(
        Dataset.objects.filter(
            Q(title__icontains=term)
            | Q(description__icontains=term)
            | Q(slug__icontains=term)
            | Q(tags__name__iexact=term)
        ).values_list("pk", flat=True)
    )


def _found(term: str) -> set[int]:
    qs = datasets_matching(Dataset.objects.all(), q=term)
    pks = list(qs.values_list("pk", flat=True))
    assert len(pks) == len(set(pks)), "a row repeats"
    return set(pks)


def _fts(term: str) -> set[int]:
    """The dataset ids the SQLite index itself holds for a term."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM catalog_dataset_fts WHERE catalog_dataset_fts MATCH %s",
            [fts_query(term)],
        )
        return {row[0] for row in cursor.fetchall()}


def _integrity_check() -> None:
    """FTS5 compares its index with the dataset table (rank 1: the external content too)
    and raises when they differ."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO catalog_dataset_fts(catalog_dataset_fts, rank) "
            "VALUES ('integrity-check', 1)"
        )


def test_the_index_finds_exactly_what_icontains_finds() -> None:
    made = {d.slug: d.pk for d in _make(TRICKY)}
    terms = list(TERMS)
    # Every window of 1–5 characters of each title, as typed and with its case swapped.
    for title, *_rest in TRICKY:
        for size in range(1, 6):
            for start in range(0, max(1, len(title) - size + 1), 3):
                window = title[start : start + size]
                terms += [window, window.swapcase()]
    for term in dict.fromkeys(terms):
        assert _found(term) == _plain(term), repr(term)
    # The comparison means something: these rows, and only these, answer these terms.
    ours = lambda term: {pk for pk in _found(term) if pk in made.values()}  # noqa: E731
    assert ours("STUNTING") == {
        made["uji-stunting-balita"],
        made["uji-stunting"],
        made["uji-gizi"],
    }
    assert ours("50%") == {made["uji-lima-puluh-persen"]}
    assert ours("a_k") == {made["uji-angka-garis-bawah"]}
    assert ours("kesmas") == {made["uji-puskesmas"]}
    assert ours("gizi") == {made["uji-gizi"]}
    assert ours('"resmi"') == {made["uji-kutipan"]}
    assert ours("🚧 r") == {made["uji-jalan"]}
    assert ours("\\% persen") == {made["uji-backslash"]}
    assert ours(LONG[3:].upper()) == {made["uji-panjang"]}


def test_the_fts_query_quotes_every_trigram() -> None:
    assert fts_query("Stunting") == '"Stu" "tun" "unt" "nti" "tin" "ing"'
    assert fts_query('a"b OR') == '"a""b" """b " "b O" " OR"'
    assert fts_query("aaaaa") == '"aaa"'
    grams = fts_query("".join(chr(0x4E00 + i) for i in range(200))).split(" ")
    assert len(grams) == TRIGRAMS_MAX
    assert grams[0] == '"\u4e00\u4e01\u4e02"' and grams[-1] == '"\u4ec5\u4ec6\u4ec7"'


@only_sqlite
def test_sqlite_folds_only_ascii_case_as_before() -> None:
    """SQLite's LIKE folds ASCII letters only; the index folds every letter, and the
    icontains check kept after it gives the old answer."""
    made = {d.slug: d.pk for d in _make(TRICKY)}
    assert {made["uji-energie-besar"], made["uji-energie-kecil"]} <= _fts("énergie")
    assert made["uji-energie-besar"] not in _found("énergie")
    assert made["uji-energie-kecil"] in _found("énergie")


def test_the_index_follows_inserts_edits_and_deletes(users: dict[str, Any], now: Any) -> None:
    from sinergi.agencies.models import Agency
    from sinergi.catalog.services import dataset_create, dataset_update

    d = dataset_create(
        actor=users["staff"],
        publisher=Agency.objects.get(slug="dinkes-sanggau"),
        slug="cakupan-jamban-sehat",
        title="Cakupan jamban sehat",
        description="Rumah tangga dengan akses sanitasi layak.",
        tags=[],
        sector="kesehatan",
        contact_name="Seksi Data",
        contact_email="data@dinkes.example",
        now=now,
    )
    admin = users["admin"]
    search = lambda q: set(datasets_search(user=admin, q=q).values_list("pk", flat=True))  # noqa: E731
    assert d.pk in search("JAMBAN") and d.pk in search("sanitasi")
    dataset_update(actor=users["staff"], dataset=d, now=now, title="Cakupan air minum")
    assert d.pk not in search("jamban sehat") and d.pk in search("air minum")
    assert d.pk in search("sanitasi")  # the description is unchanged
    Dataset.objects.filter(pk=d.pk).update(description="Sumur dan PDAM.", slug="air-minum")
    assert d.pk not in search("sanitasi") and d.pk in search("pdam")
    assert d.pk in search("air-minum") and d.pk not in search("jamban-sehat")
    if SQLITE:
        assert d.pk not in _fts("jamban") and d.pk in _fts("PDAM")
        _integrity_check()
    Dataset.objects.filter(pk=d.pk).update(status="submitted")  # the texts as they were
    d.delete()
    assert d.pk not in search("air minum")
    if SQLITE:
        assert d.pk not in _fts("air minum")
        _integrity_check()


@only_sqlite
def test_bulk_writes_keep_the_index_in_step() -> None:
    made = _make(TRICKY)
    _integrity_check()
    Dataset.objects.filter(pk__in=[d.pk for d in made]).update(title="Judul baru")
    assert {d.pk for d in made} <= _fts("judul BARU")
    _integrity_check()
    Dataset.objects.filter(pk__in=[d.pk for d in made]).delete()
    assert not _fts("judul baru") & {d.pk for d in made}
    _integrity_check()


@only_sqlite
def test_the_search_page_reads_the_fts_table(users: dict[str, Any]) -> None:
    client = Client()
    client.force_login(users["head"])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/data/", {"q": "stunting"})
    assert response.status_code == 200
    searches = [q["sql"] for q in ctx.captured_queries if "catalog_dataset_fts" in q["sql"]]
    assert len(searches) == 2, "the count and the page"  # both through the index
    qs = datasets_search(user=users["head"], q="stunting").order_by("title", "pk")
    sql, params = qs[:25].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = [row[-1] for row in cursor.fetchall()]
    assert any("catalog_dataset_fts VIRTUAL TABLE" in step for step in plan), plan
    # The datasets are read by id from what the index found, not scanned.
    assert any("SEARCH catalog_dataset USING INTEGER PRIMARY KEY" in s for s in plan), plan
    assert not any(s.startswith("SCAN catalog_dataset ") for s in plan), plan
    # Terms too short for trigrams keep the plain filter.
    assert "catalog_dataset_fts" not in str(datasets_search(user=None, q="st").query)


@only_postgresql
def test_postgresql_icontains_can_use_the_trigram_indexes() -> None:
    # Enough rows that an index beats reading a few pages (the demo alone has a dozen).
    _make([(f"Data uji nomor {i}", "Keterangan rutin.", f"uji-nomor-{i}", []) for i in range(3000)])
    qs = datasets_matching(Dataset.objects.all(), q="stunting")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        # Short titles: a full pass over the (title, id) B-tree is as cheap as a table scan
        # here; without it (until the test's rollback) the title's choice is its trigrams.
        cursor.execute("DROP INDEX catalog_dataset_title_idx")
        cursor.execute("ANALYZE catalog_dataset")
        cursor.execute("SET LOCAL enable_seqscan = off")  # prove the index fits the query
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for col in ("title", "description", "slug"):
        assert f"catalog_dataset_{col}_trgm" in plan, plan


@pytest.mark.parametrize("term", TERMS + ["\x00", "st\x00unting"] if SQLITE else TERMS)
def test_odd_input_never_breaks_a_search(term: str, users: dict[str, Any]) -> None:
    assert _found(term) == _plain(term)
    client = Client()
    client.force_login(users["head"])
    assert client.get("/data/", {"q": term}).status_code in (200, 400)  # 400: a NUL
    assert Client().get("/publik/data/", {"q": term}).status_code in (200, 400)
    response = Client().get("/api/3/action/package_search", {"q": term})
    assert response.status_code in (200, 400, 409)
    if response.status_code == 200:
        assert response.json()["success"] is True


def test_ckan_package_search_matches_every_word() -> None:
    _make(TRICKY)
    response = Client().get("/api/3/action/package_search", {"q": "capaian VAKSINASI 50%"})
    names = [p["name"] for p in response.json()["result"]["results"]]
    assert names == ["uji-lima-puluh-persen"]
    response = Client().get("/api/3/action/package_search", {"q": "gizi", "rows": 100})
    found = {p["name"] for p in response.json()["result"]["results"]}
    assert found == {
        d.slug for d in Dataset.objects.filter(pk__in=_plain("gizi")).published_for(None)
    }
    assert "uji-gizi" in found


def _trigram_indexes() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'catalog_dataset' "
            "AND indexname LIKE 'catalog_dataset_%_trgm'"
        )
        return int(cursor.fetchone()[0])


def test_the_migration_goes_back_and_forth() -> None:
    """Without the index the search answers as before; put back, the index holds every
    dataset again (filled from the rows)."""
    migration = importlib.import_module("sinergi.catalog.migrations.0006_dataset_text_search_index")

    class Editor:  # what the migration's functions use of a schema editor
        def __init__(self) -> None:
            self.connection = connection

        def execute(self, sql: str, params: Any = None) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)

    made = {d.slug: d.pk for d in _make(TRICKY)}
    before = _found("stunting")
    if not SQLITE:  # as a migration would: no foreign key checks still pending
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    migration.backward(None, Editor())
    if SQLITE:
        assert "catalog_dataset_fts" not in connection.introspection.table_names()
    else:
        assert not _trigram_indexes()
        assert _found("stunting") == before
    migration.forward(None, Editor())
    if not SQLITE:
        assert _trigram_indexes() == 3
    assert _found("stunting") == before and made["uji-stunting"] in before
    if SQLITE:
        _integrity_check()
        assert made["uji-stunting"] in _fts("STUNTING")
