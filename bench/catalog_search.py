"""Catalog text search at national size: ``datasets_search(q=…)`` (the trigram index,
docs/decisions/catalog-text-search-index.md) against the plain ``icontains`` filter it
replaces, on the same database in the same run — the bounded count and first page of
``/data/`` and ``/publik/data/``, p50/p95 in milliseconds, with the rows found (which must
be equal).

    PYTHONPATH=src .venv/bin/python bench/catalog_search.py [--datasets N] [--runs K]

SQLite in a temporary data directory by default (the demo, then ``N`` published datasets
with generated Indonesian titles and descriptions, bulk-inserted); PostgreSQL with
``SINERGI_DATABASE_URL=postgresql://…/db`` (the database is emptied and migrated). Targets:
p95 ≤ 300 ms on SQLite, ≤ 150 ms on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _timing import timed

NOW_DEMO = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)

TOPICS = [
    "jumlah penduduk", "angka kelahiran", "angka kematian ibu", "balita gizi buruk",
    "imunisasi dasar lengkap", "kasus demam berdarah", "kasus tuberkulosis", "puskesmas",
    "tenaga kesehatan", "angka partisipasi sekolah", "jumlah guru", "ruang kelas rusak",
    "produksi padi", "produksi karet", "produksi kelapa sawit", "luas panen jagung",
    "populasi ternak sapi", "produksi perikanan", "panjang jalan kabupaten", "jembatan",
    "rumah tidak layak huni", "akses air minum layak", "sanitasi layak", "penduduk miskin",
    "pengangguran terbuka", "realisasi pendapatan daerah", "belanja daerah", "UMKM binaan",
    "koperasi aktif", "kunjungan wisatawan", "hotel dan penginapan", "kejadian bencana",
    "titik panas kebakaran hutan", "curah hujan", "kendaraan bermotor", "izin usaha",
    "pegawai negeri sipil", "desa mandiri", "BUMDes", "pelanggan listrik PLN",
    "prevalensi stunting", "balita stunting", "lahan kritis", "penyandang disabilitas",
    "angka harapan hidup", "indeks pembangunan manusia", "jumlah posyandu", "pasar tradisional",
    "menara telekomunikasi", "sekolah dasar", "rumah ibadah", "kepadatan penduduk",
]  # fmt: skip
TAGS = [
    "kesehatan", "pendidikan", "pertanian", "perkebunan", "infrastruktur", "ekonomi",
    "kemiskinan", "kependudukan", "lingkungan", "bencana", "pariwisata", "stunting", "gizi",
    "keuangan", "sosial", "perhubungan", "perikanan", "peternakan", "UMKM", "desa",
]  # fmt: skip
UNITS = ["kecamatan", "desa", "kabupaten/kota", "puskesmas", "jenis kelamin", "kelompok umur"]
FILLER = (
    "Data ini dihimpun dari laporan rutin perangkat daerah dan diverifikasi oleh walidata. "
    "Angka tahun terakhir bersifat sementara dan dapat berubah setelah rekonsiliasi. "
    "Satuan, definisi operasional dan cara penghitungan mengikuti pedoman kementerian."
)
CASES = ["stunting", "padi", "Kapuas", "rumah sakit umum", "xyz-tidak-ada", "gizi", "ab"]


def seed(datasets: int) -> None:
    """The demo and ``datasets`` published public datasets spread over the demo's agencies
    and years (bulk insert: the search index fills through its triggers as it would)."""
    from sinergi.agencies.models import Agency
    from sinergi.catalog.models import Dataset, Tag
    from sinergi.demo import load_demo

    load_demo(now=NOW_DEMO)
    t = time.perf_counter()
    agencies = list(Agency.objects.filter(kind="opd").select_related("region")[:50])
    walidata = Agency.objects.get(slug="diskominfo-sanggau")
    rng = random.Random(2026)
    made = 0
    while made < datasets:
        rows = []
        for k in range(min(10_000, datasets - made)):
            n = made + k
            topic = rng.choice(TOPICS)
            year = rng.randrange(2015, 2027)
            agency = rng.choice(agencies)
            title = f"{topic.capitalize()} menurut {rng.choice(UNITS)} tahun {year}"
            rows.append(
                Dataset(
                    slug=f"bench-{n:06d}-{topic.replace(' ', '-').replace('/', '-').lower()}",
                    title=title,
                    description=f"{title}, {agency.name}. {FILLER}",
                    publisher=agency,
                    walidata=walidata,
                    region=agency.region,
                    status="published",
                    access_level="public",
                    created_at=NOW_DEMO,
                    updated_at=NOW_DEMO,
                )
            )
        Dataset.objects.bulk_create(rows, batch_size=2000)
        made += len(rows)
    # Two tags a dataset, as the national catalogs have a few each.
    tags = [Tag.objects.get_or_create(name=name)[0].pk for name in TAGS]
    link = Dataset.tags.through
    ids = Dataset.objects.filter(slug__startswith="bench-").values_list("pk", flat=True)
    link.objects.bulk_create(
        [link(dataset_id=pk, tag_id=t) for pk in ids.iterator() for t in rng.sample(tags, 2)],
        batch_size=5000,
    )
    print(f"seeded {datasets:,} datasets in {time.perf_counter() - t:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the SQLite data directory")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sinergi-bench-search-"))
    os.environ["SINERGI_DATA_DIR"] = str(work / "data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sinergi.settings")
    os.environ.setdefault("SINERGI_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    if not os.environ.get("PYTHONPATH"):
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Exists, Q

    if connection.vendor == "postgresql":
        call_command("flush", "--no-input", "-v", "0")
    call_command("migrate", "--no-input", "-v", "0")
    seed(args.datasets)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    from sinergi.accounts.models import User
    from sinergi.catalog.models import Dataset
    from sinergi.catalog.selectors import _tagged, datasets_search
    from sinergi.core.paging import bounded_page

    print(f"database: {connection.vendor}, {Dataset.objects.count():,} datasets")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT sum(length(block)) FROM catalog_dataset_fts_data")
            index = cursor.fetchone()[0]
            cursor.execute(
                "SELECT sum(length(title) + length(description) + length(slug)) "
                "FROM catalog_dataset"
            )
            text = cursor.fetchone()[0]
        print(f"text {text / 1e6:.0f} MB, trigram index {index / 1e6:.0f} MB")
    viewers: list[tuple[str, Any, bool]] = [
        ("/data/ as kadinkes", User.objects.get(username="kadinkes"), False),
        ("/publik/data/ anonymous", AnonymousUser(), True),
    ]

    def old(user: Any, q: str, public: bool) -> Any:
        """The filter before the index, on the same visible rows."""
        return datasets_search(user=user, public_only=public).filter(
            Q(title__icontains=q)
            | Q(description__icontains=q)
            | Q(Exists(_tagged(Q(tag__name__iexact=q))))
            | Q(slug__icontains=q)
        )

    def page(make: Callable[[], Any]) -> Callable[[], Any]:
        def call() -> Any:
            return bounded_page(make().order_by("title", "pk"), 1, 25)

        return call

    print(f"{'page, q':<44} {'before p50/p95':>18} {'index p50/p95':>18}  rows")
    for label, user, public in viewers:
        for q in CASES:
            before = page(lambda user=user, q=q, public=public: old(user, q, public))
            after = page(
                lambda user=user, q=q, public=public: datasets_search(
                    user=user, q=q, public_only=public
                )
            )
            a, b = before(), after()
            same = [d.pk for d in a] == [d.pk for d in b] and a.count == b.count
            assert same, (label, q, a.count, b.count)
            p50o, p95o = timed(before, args.runs)
            p50n, p95n = timed(after, args.runs)
            count = f"{b.count:,}{'+' if b.capped else ''}"
            print(
                f"{label + ', ' + q:<44} {p50o:>8.1f} /{p95o:>7.1f} {p50n:>8.1f} /{p95n:>7.1f}"
                f"  {count} (same)"
            )
    if args.keep:
        print(f"data directory: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
