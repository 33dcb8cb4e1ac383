"""Catalog benchmark: a 1,000,000-row × 20-column CSV ingested to Parquet and queried the
way ``datastore_search`` queries it, against the same rows stored as JSON in the
application's SQLite database.

Run: ``.venv/bin/python bench/catalog.py [--rows N] [--runs K]``. Prints every figure;
targets: ingest < 20 s, median filtered sorted page < 50 ms, and ≤ 5 ms with the
dataset's filter columns (``--alternatives-only``: that page against an indexed SQLite
table and a clustered DuckDB table in the same run, wall and CPU time, load stated).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

KECAMATAN = [
    "Kapuas", "Mukok", "Noyan", "Jangkang", "Bonti", "Beduai", "Sekayam", "Kembayan",
    "Parindu", "Tayan Hulu", "Tayan Hilir", "Balai", "Toba", "Meliau", "Entikong",
]  # fmt: skip
KATEGORI = [f"K{i:02d}" for i in range(20)]
FILTERS = {"kecamatan": "Kapuas", "kategori": "K07"}
SORT = "nilai_1 desc"
LIMIT = 100


def make_csv(path: Path, rows: int) -> None:
    """Write the benchmark CSV: ids, codes, text, dates, integers and decimals."""
    rng = np.random.default_rng(2026)
    kec = rng.integers(0, len(KECAMATAN), rows)
    cols: dict[str, pa.Array] = {
        "id": pa.array(np.arange(1, rows + 1)),
        "kode_wilayah": pa.array([f"61.03.{i + 1:02d}" for i in range(15)]).take(pa.array(kec)),
        "kecamatan": pa.array(KECAMATAN).take(pa.array(kec)),
        "kategori": pa.array(KATEGORI).take(pa.array(rng.integers(0, 20, rows))),
        "tanggal": pa.array(
            np.datetime64("2020-01-01") + rng.integers(0, 2400, rows).astype("timedelta64[D]")
        ),
        "tahun": pa.array(rng.integers(2015, 2027, rows)),
    }
    for i in range(1, 8):
        cols[f"nilai_{i}"] = pa.array(np.round(rng.random(rows) * 1000, 3))
    for i in range(1, 7):
        cols[f"jumlah_{i}"] = pa.array(rng.integers(0, 100_000, rows))
    cols["keterangan"] = pa.array([f"catatan {i % 997}" for i in range(rows)])
    table = pa.table(cols)
    assert table.num_columns == 20
    pacsv.write_csv(table, path)


def median_ms(fn, runs: int) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), times


def median_wall_cpu(fn, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median wall-clock and median CPU milliseconds (every thread of this process, so
    DuckDB's two threads count) of ``runs`` calls."""
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def load() -> str:
    """The load average, for the figures printed next to it."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--alternatives-only",
        action="store_true",
        help="stop after the DuckDB/SQLite comparison (no XLSX, HTTP or JSON-rows figures)",
    )
    parser.add_argument(
        "--xlsx-rows", type=int, default=50_000, help="rows of the XLSX figure (0: skip)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sinergi-bench-catalog-"))
    os.environ["SINERGI_DATA_DIR"] = str(work / "data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sinergi.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from sinergi.catalog import tabular

    csv_path = work / "bench.csv"
    t = time.perf_counter()
    make_csv(csv_path, args.rows)
    data = csv_path.read_bytes()
    print(
        f"rows: {args.rows:,} × 20 columns, CSV {len(data) / 1e6:.1f} MB "
        f"(generated in {time.perf_counter() - t:.1f} s)"
    )

    root = work / "catalog"
    ingest_times = []
    ingested = None
    for _ in range(3):
        for f in [*root.glob("*.parquet"), *root.glob("*.duckdb")]:
            f.unlink()
        t = time.perf_counter()
        ingested = tabular.ingest_csv(data, root=root, max_bytes=2 * len(data))
        ingest_times.append(time.perf_counter() - t)
    assert ingested is not None
    size = ingested.path.stat().st_size
    print(
        f"ingest CSV → Parquet + DuckDB table (check, encoding, sniff, parse, infer, write): "
        f"median {statistics.median(ingest_times):.2f} s of {[round(x, 2) for x in ingest_times]}; "
        f"Parquet {size / 1e6:.1f} MB; stages of the last run: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in ingested.timings.items())
    )
    print("schema:", ", ".join(f"{c['name']}:{c['type']}" for c in ingested.columns))

    def duck() -> tabular.Page:
        return tabular.query(
            ingested.path, ingested.columns, filters=FILTERS, sort=SORT, limit=LIMIT
        )

    page = duck()
    med, times = median_ms(duck, args.runs)
    print(
        f"datastore_search page (filters {FILTERS}, sort {SORT!r}, limit {LIMIT}, with total) "
        f"with DuckDB (table built from the Parquet file): median {med:.1f} ms "
        f"(min {min(times):.1f}, max {max(times):.1f}, {args.runs} runs); total {page.total:,}"
    )
    deep = lambda: tabular.query(  # noqa: E731
        ingested.path, ingested.columns, filters=FILTERS, sort=SORT, limit=LIMIT, offset=5000
    )
    med_deep, _ = median_ms(deep, args.runs)
    print(f"  same at offset 5,000: median {med_deep:.1f} ms")
    from sinergi.catalog import ckan_datastore

    ckan_page = lambda: ckan_datastore.search(  # noqa: E731
        ingested.path, ingested.columns, filters=FILTERS, sort=SORT, limit=LIMIT
    )
    print(
        f"  same page with CKAN's semantics (ckan_datastore.search: _id, rowid tie-break): "
        f"median {median_ms(ckan_page, args.runs)[0]:.1f} ms"
    )
    words = lambda: ckan_datastore.search(  # noqa: E731
        ingested.path, ingested.columns, q="Kapuas K07", limit=LIMIT
    )
    print(
        f"  whole-word q over all 20 columns ('Kapuas K07'): "
        f"median {median_ms(words, max(3, args.runs // 3))[0]:.1f} ms; "
        f"total {words().total:,}"
    )
    like = lambda: tabular.query(  # noqa: E731
        ingested.path, ingested.columns, q="Kapuas", limit=LIMIT
    )
    print(
        f"  reference: substring q (ILIKE over the text columns, 'Kapuas'): "
        f"median {median_ms(like, max(3, args.runs // 3))[0]:.1f} ms; total {like().total:,}"
    )
    unfiltered = lambda: tabular.query(ingested.path, ingested.columns, limit=LIMIT)  # noqa: E731
    print(f"  first page, no filter or sort: median {median_ms(unfiltered, args.runs)[0]:.1f} ms")
    metrics = tabular.parse_metrics(
        "count,sum:jumlah_1,avg:nilai_1", {c["name"]: c["type"] for c in ingested.columns}
    )
    grouped = lambda: tabular.aggregate(  # noqa: E731
        ingested.path, ingested.columns, group_by=["kecamatan", "tahun"], metrics=metrics
    )
    print(
        f"  aggregate (group by kecamatan, tahun: count, sum, avg over 1M rows; "
        f"{grouped().total} groups): median {median_ms(grouped, args.runs)[0]:.1f} ms"
    )

    alternatives(ingested.path, ingested.columns, page, runs=args.runs, work=work)
    if args.alternatives_only:
        return
    if args.xlsx_rows:
        xlsx_figures(csv_path, root, args.xlsx_rows)
    http_figures(data, runs=args.runs)
    if args.skip_sqlite:
        return
    from django.db import connection, transaction

    print(f"application database: {connection.vendor} at {connection.settings_dict['NAME']}")
    import pyarrow.parquet as pq

    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, data TEXT NOT NULL)")
    table = pq.read_table(ingested.path)
    names = table.column_names
    with transaction.atomic(), connection.cursor() as cur:
        for batch in table.to_batches(50_000):
            columns = [batch.column(i).to_pylist() for i in range(len(names))]
            rows = [
                (json.dumps(dict(zip(names, values, strict=True)), default=str),)
                for values in zip(*columns, strict=True)
            ]
            cur.executemany("INSERT INTO bench_rows (data) VALUES (%s)", rows)
    print(f"load the same rows as JSON into SQLite: {time.perf_counter() - t:.1f} s")
    where = " AND ".join(f"json_extract(data, '$.{k}') = %s" for k in FILTERS)
    params = list(FILTERS.values())

    def sqlite_page() -> int:
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT data FROM bench_rows WHERE {where} "  # noqa: S608 - fixed names
                "ORDER BY json_extract(data, '$.nilai_1') DESC LIMIT %s OFFSET 0",
                [*params, LIMIT],
            )
            rows = [json.loads(r[0]) for r in cur.fetchall()]
            cur.execute(f"SELECT count(*) FROM bench_rows WHERE {where}", params)  # noqa: S608
            total = cur.fetchone()[0]
        # Same page: the same sort values in the same order (ids may differ on ties).
        got, want = [r["nilai_1"] for r in rows], [r["nilai_1"] for r in page.rows]
        assert got == want, (got[:5], want[:5])
        return int(total)

    runs = max(3, args.runs // 3)
    med_sql, times_sql = median_ms(sqlite_page, runs)
    print(
        f"same page from JSON rows in SQLite (json_extract, no index): median {med_sql:.0f} ms "
        f"(min {min(times_sql):.0f}, max {max(times_sql):.0f}, {runs} runs)"
    )
    print(f"DuckDB is {med_sql / med:.0f}× faster for this query")


def alternatives(parquet: Path, columns, page, *, runs: int, work: Path) -> None:  # type: ignore[no-untyped-def]
    """The same filtered, sorted page with its total from what a user could pick instead,
    in the same run: a typed SQLite table without an index, with an index on the filter
    columns and with a covering index (filters then the sort column); and DuckDB on a copy
    of the table clustered by the filter columns (zone maps skip the other row groups)."""
    import sqlite3

    import duckdb
    import pyarrow.parquet as pq

    from sinergi.catalog import ckan_datastore, tabular

    def duck() -> None:
        got = tabular.query(parquet, columns, filters=FILTERS, sort=SORT, limit=LIMIT)
        assert got.rows == page.rows and got.total == page.total

    print(f"\nfilter columns, {load()}:")
    cluster = list(FILTERS)
    t = time.perf_counter()
    tabular.ensure_clustered(parquet, cluster)
    took = time.perf_counter() - t
    print(f"  copy sorted by {cluster} (the worker's cluster_version): {took:.1f} s")

    def with_filter_columns() -> None:
        got = tabular.query(
            parquet, columns, filters=FILTERS, sort=SORT, limit=LIMIT, cluster=cluster
        )
        assert got.rows == page.rows and got.total == page.total

    def ckan_with_filter_columns() -> None:
        ckan_datastore.search(
            parquet, columns, filters=FILTERS, sort=SORT, limit=LIMIT, cluster=cluster
        )

    leading = {cluster[0]: FILTERS[cluster[0]]}

    def leading_only(clustered: list[str]) -> None:
        tabular.query(parquet, columns, filters=leading, sort=SORT, limit=LIMIT, cluster=clustered)

    table = pq.read_table(parquet)
    names = table.column_names
    db = work / "alternatives.sqlite3"
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    types = {
        "int64": "INTEGER",
        "double": "REAL",
    }
    cols = ", ".join(f'"{n}" {types.get(str(table.schema.field(n).type), "TEXT")}' for n in names)
    con.execute(f"CREATE TABLE rows ({cols})")
    t = time.perf_counter()
    marks = ", ".join("?" * len(names))
    for batch in table.to_batches(100_000):
        lists = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        con.executemany(
            f"INSERT INTO rows VALUES ({marks})",  # noqa: S608
            [
                tuple(str(v) if hasattr(v, "isoformat") else v for v in r)
                for r in zip(*lists, strict=True)
            ],
        )
    con.commit()
    print(f"\nalternatives, same {table.num_rows:,} rows (typed SQLite table loaded in "
          f"{time.perf_counter() - t:.1f} s):")  # fmt: skip
    where = " AND ".join(f'"{k}" = ?' for k in FILTERS)
    params = list(FILTERS.values())
    want = [r["nilai_1"] for r in page.rows]

    def sqlite_page() -> None:
        rows = con.execute(
            f'SELECT * FROM rows WHERE {where} ORDER BY "nilai_1" DESC LIMIT ?',  # noqa: S608
            [*params, LIMIT],
        ).fetchall()
        total = con.execute(f"SELECT count(*) FROM rows WHERE {where}", params).fetchone()[0]  # noqa: S608
        assert [r[names.index("nilai_1")] for r in rows] == want
        assert total == page.total

    figures: dict[str, float | tuple[float, float]] = {
        "catalog, no filter columns (tabular.query)": median_wall_cpu(duck, runs)
    }
    for label, ddl in (
        ("SQLite table, no index", None),
        ("SQLite table, index (kecamatan, kategori)",
         'CREATE INDEX i_filter ON rows ("kecamatan", "kategori")'),
        ("SQLite table, covering index (kecamatan, kategori, nilai_1)",
         'CREATE INDEX i_cover ON rows ("kecamatan", "kategori", "nilai_1")'),
    ):  # fmt: skip
        if ddl:
            t = time.perf_counter()
            con.execute(ddl)
            con.execute("ANALYZE")
            label += f" (built in {time.perf_counter() - t:.1f} s)"
        figures[label] = median_wall_cpu(sqlite_page, runs if ddl else max(3, runs // 3))
    con.close()

    duck = duckdb.connect(str(work / "clustered.duckdb"), config={"threads": 2})
    t = time.perf_counter()
    duck.register("incoming", table)
    duck.execute('CREATE TABLE data AS SELECT * FROM incoming ORDER BY "kecamatan", "kategori"')
    duck.execute("CHECKPOINT")
    built = time.perf_counter() - t
    sql = (
        f"SELECT *, count(*) OVER () FROM data WHERE {where} "  # noqa: S608 - fixed names
        f'ORDER BY "nilai_1" DESC NULLS LAST LIMIT {LIMIT}'
    )

    def clustered() -> None:
        cur = duck.cursor()
        rows = cur.execute(sql, params).fetchall()
        cur.close()
        assert [r[names.index("nilai_1")] for r in rows] == want
        assert rows[0][-1] == page.total

    figures[f"DuckDB table clustered by (kecamatan, kategori) (sorted in {built:.1f} s)"] = (
        median_wall_cpu(clustered, runs)
    )
    duck.close()
    figures["catalog, filter columns (kecamatan, kategori) (tabular.query)"] = median_wall_cpu(
        with_filter_columns, runs
    )
    figures["same, ckan_datastore.search (_id, row-number tie-break)"] = median_wall_cpu(
        ckan_with_filter_columns, runs
    )
    figures["catalog, filter on kecamatan only (66,904 rows), no filter columns"] = median_wall_cpu(
        lambda: leading_only([]), runs
    )
    figures["catalog, filter on kecamatan only (66,904 rows), filter columns"] = median_wall_cpu(
        lambda: leading_only(cluster), runs
    )
    print(f"  {'':<78} {'wall':>10} {'CPU':>10}   ({load()})")
    for label, (wall, cpu) in figures.items():  # type: ignore[misc]
        print(f"  {label:<78} {wall:8.2f} ms {cpu:8.2f} ms")


def xlsx_figures(csv_path: Path, root: Path, rows: int) -> None:
    """The first ``rows`` rows of the benchmark CSV as a workbook: ingest (openpyxl
    read-only, checks, the CSV pipeline) and export (openpyxl write-only)."""
    import io

    import openpyxl

    from sinergi.catalog import spreadsheet

    table = pacsv.read_csv(csv_path).slice(0, rows)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("data")
    ws.append(table.column_names)
    for batch in table.to_batches(10_000):
        lists = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        for row in zip(*lists, strict=True):
            ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    t = time.perf_counter()
    ingested = spreadsheet.ingest_xlsx(
        data,
        root=root,
        max_bytes=10 * len(data),
        max_uncompressed=1 << 31,
        max_cells=rows * 20 + 100,
    )
    took = time.perf_counter() - t
    print(
        f"ingest XLSX {rows:,} × 20 ({len(data) / 1e6:.1f} MB): {took:.2f} s "
        f"({rows * 20 / took / 1e6:.2f} M cells/s); stages: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in ingested.timings.items())
    )
    assert ingested.row_count == rows
    t = time.perf_counter()
    body = spreadsheet.export_xlsx(ingested.path, ingested.columns)
    size = len(body.read())
    print(f"export XLSX {rows:,} × 20 ({size / 1e6:.1f} MB): {time.perf_counter() - t:.2f} s")


def http_figures(data: bytes, runs: int) -> None:
    """The same upload through the service (database row, audit) and the same page through
    the CKAN ``datastore_search`` view over HTTP (Django test client, JSON included)."""
    import datetime as dt
    from urllib.parse import urlencode

    from django.core.management import call_command
    from django.test import Client

    from sinergi.agencies.models import Agency
    from sinergi.catalog import services
    from sinergi.core.permissions import SYSTEM
    from sinergi.demo import load_demo

    now = dt.datetime.now(dt.UTC)
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_demo(now=now)
    print(f"(set-up: migrate and demo data in {time.perf_counter() - t:.0f} s)")
    dataset = services.dataset_create(
        actor=SYSTEM,
        publisher=Agency.objects.get(slug="dinkes-sanggau"),
        slug="bench-sejuta-baris",
        title="Bench",
        description="bench",
        tags=["bench"],
        sector="kesehatan",
        contact_name="bench",
        contact_email="bench@example.invalid",
        now=now,
    )
    t = time.perf_counter()
    version = services.version_upload(actor=SYSTEM, dataset=dataset, data=data, now=now)
    print(
        f"upload through version_upload (ingest + version row + audit): "
        f"{time.perf_counter() - t:.2f} s"
    )
    services.dataset_submit(actor=SYSTEM, dataset=dataset, now=now)
    services.dataset_verify(actor=SYSTEM, dataset=dataset, decision="publish", now=now)
    query = urlencode(
        {
            "resource_id": version.resource_id,
            "filters": json.dumps(FILTERS),
            "sort": SORT,
            "limit": LIMIT,
        }
    )
    client = Client()
    url = f"/api/3/action/datastore_search?{query}"

    def get() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]

    get()
    med, times = median_ms(get, runs)
    print(
        f"GET {url[:60]}… over HTTP (Django view, JSON): median {med:.1f} ms "
        f"(min {min(times):.1f}, max {max(times):.1f}, {runs} runs)"
    )


if __name__ == "__main__":
    main()
