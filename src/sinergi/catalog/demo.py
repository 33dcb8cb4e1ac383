"""Demo datasets of Kabupaten Sanggau, generated in code with a fixed seed.

The figures look like Sanggau's but are invented for the demo (the stunting figures per
village in particular are fictional); the kecamatan and their codes are the real ones.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sinergi.accounts.models import User
from sinergi.agencies.models import Agency
from sinergi.core.permissions import SYSTEM
from sinergi.regions.models import Region

from . import services
from .choices import AccessLevel, Frequency, VerifyDecision
from .models import DataRequest, Dataset

FICTIONAL = "Angka dalam data demo ini fiktif (dibuat untuk demonstrasi), bukan data resmi."


def _kecamatan() -> list[tuple[str, str]]:
    return list(
        Region.objects.filter(parent__code="61.03").order_by("code").values_list("code", "name")
    )


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def population(rng: random.Random) -> bytes:
    """Penduduk per kecamatan."""
    rows = []
    for code, name in _kecamatan():
        men = rng.randint(14_000, 42_000)
        women = int(men * rng.uniform(0.93, 0.99))
        area = round(rng.uniform(280, 1_250), 2)
        rows.append([code, name, men, women, men + women, area, round((men + women) / area, 1)])
    header = ["kode_wilayah", "kecamatan", "laki_laki", "perempuan", "jumlah", "luas_km2"]
    return _csv([*header, "kepadatan_per_km2"], rows)


def health_facilities(rng: random.Random) -> bytes:
    """Fasilitas kesehatan."""
    rows = [["RSUD M. Th. Djaman", "Rumah Sakit", "61.03.01", "Kapuas", 152, 31, 48]]
    for code, name in _kecamatan():
        rows.append([f"Puskesmas {name}", "Puskesmas", code, name, rng.randint(0, 12), 2, 9])
        for i in range(rng.randint(2, 5)):
            rows.append([f"Pustu {name} {i + 1}", "Puskesmas Pembantu", code, name, 0, 0, 1])
    header = ["nama", "jenis", "kode_wilayah", "kecamatan", "tempat_tidur", "dokter", "bidan"]
    return _csv(header, rows)


def roads(rng: random.Random) -> bytes:
    """Kondisi jalan kabupaten per ruas."""
    rows = []
    for code, name in _kecamatan():
        for i in range(rng.randint(3, 6)):
            length = round(rng.uniform(4, 38), 1)
            parts = [rng.random() for _ in range(4)]
            total = sum(parts)
            good, fair, light, heavy = (round(length * p / total, 1) for p in parts)
            surface = rng.choice(["Aspal", "Aspal", "Beton", "Kerikil", "Tanah"])
            rows.append(
                [f"R-{code[-2:]}{i + 1:02d}", code, name, length, good, fair, light, heavy, surface]
            )
    header = ["ruas", "kode_wilayah", "kecamatan", "panjang_km", "baik_km", "sedang_km"]
    return _csv([*header, "rusak_ringan_km", "rusak_berat_km", "permukaan"], rows)


def water(rng: random.Random) -> bytes:
    """Cakupan air bersih per kecamatan."""
    rows = []
    for code, name in _kecamatan():
        households = rng.randint(3_500, 12_000)
        piped = int(households * rng.uniform(0.08, 0.55))
        other = int((households - piped) * rng.uniform(0.3, 0.8))
        cover = round(100 * (piped + other) / households, 1)
        rows.append([code, name, households, piped, other, cover])
    header = ["kode_wilayah", "kecamatan", "rumah_tangga", "sr_perpipaan", "sumur_terlindungi"]
    return _csv([*header, "cakupan_persen"], rows)


def stunting(rng: random.Random) -> bytes:
    """Prevalensi stunting per desa (fiktif)."""
    rows = []
    for code, name in _kecamatan():
        for i in range(rng.randint(4, 9)):
            measured = rng.randint(60, 420)
            stunted = int(measured * rng.uniform(0.08, 0.34))
            rows.append(
                [
                    code,
                    name,
                    f"Desa Contoh {name} {i + 1}",
                    measured,
                    stunted,
                    round(100 * stunted / measured, 1),
                ]
            )
    header = ["kode_kecamatan", "kecamatan", "desa", "balita_diukur", "balita_stunting"]
    return _csv([*header, "prevalensi_persen"], rows)


def donations(months: int) -> Callable[[random.Random], bytes]:
    """Donor darah per bulan per golongan, for the first ``months`` months from Jan 2024."""

    def make(rng: random.Random) -> bytes:
        rows = []
        for m in range(months):
            year, month = 2024 + m // 12, m % 12 + 1
            # Seeded per month, so a later version repeats the earlier months unchanged.
            month_rng = random.Random(f"donor-{year}-{month}")  # noqa: S311 - demo figures
            for group, share in (("A", 0.26), ("B", 0.29), ("O", 0.38), ("AB", 0.07)):
                bags = int(month_rng.randint(380, 560) * share)
                rows.append([f"{year}-{month:02d}-01", group, bags, int(bags * 0.08)])
        return _csv(["bulan", "golongan", "kantong_terkumpul", "donor_baru"], rows)

    return make


def schools(rng: random.Random) -> bytes:
    """Sekolah, guru dan murid per kecamatan."""
    rows = []
    for code, name in _kecamatan():
        sd, smp, sma = rng.randint(18, 60), rng.randint(5, 16), rng.randint(1, 6)
        rows.append(
            [
                code,
                name,
                sd,
                smp,
                sma,
                (sd + smp + sma) * rng.randint(7, 11),
                (sd * 140 + smp * 220 + sma * 300),
            ]
        )
    return _csv(["kode_wilayah", "kecamatan", "sd", "smp", "sma_smk", "guru", "murid"], rows)


def disasters(rng: random.Random) -> bytes:
    """Kejadian bencana."""
    rows = []
    kec = _kecamatan()
    day = dt.date(2025, 1, 3)
    for _ in range(64):
        day += dt.timedelta(days=rng.randint(1, 11))
        code, name = rng.choice(kec)
        kind = rng.choice(
            [
                "Banjir",
                "Banjir",
                "Tanah longsor",
                "Kebakaran hutan dan lahan",
                "Angin puting beliung",
            ]
        )
        houses = rng.randint(0, 140)
        rows.append([day.isoformat(), code, name, kind, houses, houses * rng.randint(3, 5)])
    header = ["tanggal", "kode_wilayah", "kecamatan", "jenis", "rumah_terdampak"]
    return _csv([*header, "jiwa_terdampak"], rows)


def plantations(rng: random.Random) -> bytes:
    """Luas dan produksi perkebunan rakyat."""
    rows = []
    for code, name in _kecamatan():
        for crop, yield_ in (("Kelapa sawit", 3.1), ("Karet", 0.9), ("Lada", 1.4)):
            area = round(rng.uniform(150, 9_000) if crop != "Lada" else rng.uniform(5, 220), 1)
            rows.append(
                [2025, code, name, crop, area, round(area * yield_ * rng.uniform(0.8, 1.1), 1)]
            )
    return _csv(
        ["tahun", "kode_wilayah", "kecamatan", "komoditas", "luas_ha", "produksi_ton"], rows
    )


def land(rng: random.Random) -> bytes:
    """Bidang tanah terdaftar dan bersertifikat."""
    rows = []
    for code, name in _kecamatan():
        parcels = rng.randint(6_000, 24_000)
        certified = int(parcels * rng.uniform(0.35, 0.8))
        rows.append([code, name, parcels, certified, rng.randint(200, 1_400)])
    header = ["kode_wilayah", "kecamatan", "bidang_terdaftar", "bidang_bersertifikat"]
    return _csv([*header, "target_ptsl_2026"], rows)


def uninhabitable_houses(rng: random.Random) -> bytes:
    """Rumah tidak layak huni per kecamatan."""
    rows = []
    for code, name in _kecamatan():
        houses = rng.randint(150, 1_400)
        rows.append([code, name, houses, int(houses * rng.uniform(0.05, 0.3))])
    return _csv(["kode_wilayah", "kecamatan", "rumah_tidak_layak_huni", "direhab_2025"], rows)


def social_assistance(rng: random.Random) -> bytes:
    """Keluarga penerima bantuan sosial per kecamatan (agregat, tanpa nama)."""
    rows = []
    for code, name in _kecamatan():
        pkh = rng.randint(600, 3_800)
        rows.append([code, name, pkh, int(pkh * rng.uniform(1.1, 1.6)), rng.randint(20, 240)])
    header = ["kode_wilayah", "kecamatan", "keluarga_pkh", "keluarga_sembako"]
    return _csv([*header, "penyandang_disabilitas_dibantu"], rows)


def _months_2025() -> list[str]:
    return [f"2025-{m:02d}-01" for m in range(1, 13)]


def tourism(rng: random.Random) -> bytes:
    """Kunjungan wisatawan per bulan."""
    rows = [
        [month, rng.randint(9_000, 21_000), rng.randint(300, 2_400)] for month in _months_2025()
    ]
    return _csv(["bulan", "wisatawan_nusantara", "wisatawan_mancanegara"], rows)


def permits(rng: random.Random) -> bytes:
    """Perizinan berusaha yang terbit per bulan dan jenis."""
    rows = []
    for month in _months_2025():
        for kind, low, high in (("NIB usaha mikro", 120, 420), ("PBG", 8, 40), ("SLF", 2, 15)):
            rows.append([month, kind, rng.randint(low, high)])
    return _csv(["bulan", "jenis_izin", "jumlah_terbit"], rows)


def revenue(rng: random.Random) -> bytes:
    """Realisasi pajak daerah per bulan (juta rupiah)."""
    rows = []
    for month in _months_2025():
        for tax, base in (("PBB-P2", 900), ("BPHTB", 1_400), ("Pajak restoran", 450)):
            target = base * rng.uniform(0.9, 1.1)
            rows.append([month, tax, round(target, 1), round(target * rng.uniform(0.7, 1.15), 1)])
    return _csv(["bulan", "jenis_pajak", "target_juta_rp", "realisasi_juta_rp"], rows)


def river_quality(rng: random.Random) -> bytes:
    """Kualitas air sungai di titik pantau."""
    rows = []
    points = [("Kapuas hulu kota", "Kapuas"), ("Kapuas hilir kota", "Kapuas")]
    points += [("Sekayam Balai Karangan", "Sekayam"), ("Sekayam Entikong", "Sekayam")]
    for point, river in points:
        for month in ("2025-03-15", "2025-06-15", "2025-09-15", "2025-12-15"):
            bod = round(rng.uniform(1.5, 6.5), 1)
            status = "memenuhi" if bod <= 3 else "cemar ringan"
            rows.append([month, point, river, bod, round(bod * rng.uniform(2.2, 3.4), 1), status])
    header = ["tanggal", "titik_pantau", "sungai", "bod_mg_l", "cod_mg_l"]
    return _csv([*header, "status_mutu"], rows)


@dataclass
class DemoDataset:
    """One demo dataset: metadata, its data makers (one per version) and its end state."""

    slug: str
    title: str
    publisher: str
    actor: str
    description: str
    tags: list[str]
    sector: str
    frequency: str
    versions: list[Callable[[random.Random], bytes]]
    access: str = AccessLevel.PUBLIC
    allowed: list[str] = field(default_factory=list)
    state: str = "published"  # or "submitted", "draft"
    start: dt.date = dt.date(2025, 1, 1)
    end: dt.date = dt.date(2025, 12, 31)


DATASETS = [
    DemoDataset(
        "penduduk-per-kecamatan",
        "Jumlah penduduk per kecamatan",
        "disdukcapil-sanggau",
        "",
        "Jumlah penduduk menurut jenis kelamin, luas wilayah dan kepadatan per kecamatan, "
        "semester II. " + FICTIONAL,
        ["kependudukan", "penduduk"],
        "kependudukan",
        Frequency.SEMIANNUAL,
        [population],
    ),
    DemoDataset(
        "fasilitas-kesehatan",
        "Fasilitas kesehatan Kabupaten Sanggau",
        "dinkes-sanggau",
        "dinkes",
        "Rumah sakit, puskesmas dan puskesmas pembantu dengan tempat tidur dan "
        "tenaga kesehatan. " + FICTIONAL,
        ["kesehatan", "fasilitas-kesehatan"],
        "kesehatan",
        Frequency.ANNUAL,
        [health_facilities],
    ),
    DemoDataset(
        "kondisi-jalan-kabupaten",
        "Kondisi jalan kabupaten per ruas",
        "dpupr-sanggau",
        "pupr",
        "Panjang jalan kabupaten menurut kondisi (baik, sedang, rusak ringan, rusak berat) "
        "dan jenis permukaan. " + FICTIONAL,
        ["infrastruktur", "jalan"],
        "infrastruktur",
        Frequency.ANNUAL,
        [roads],
    ),
    DemoDataset(
        "cakupan-air-bersih",
        "Cakupan air bersih per kecamatan",
        "dpupr-sanggau",
        "pupr",
        "Rumah tangga dengan akses air minum layak: sambungan perpipaan dan sumur terlindungi. "
        + FICTIONAL,
        ["air-minum", "sanitasi"],
        "air_minum_sanitasi",
        Frequency.ANNUAL,
        [water],
        state="submitted",
    ),
    DemoDataset(
        "prevalensi-stunting-desa",
        "Prevalensi stunting balita per desa",
        "dinkes-sanggau",
        "dinkes",
        "Balita diukur dan balita stunting per desa dari bulan penimbangan. "
        "Nama desa dan angka sepenuhnya fiktif. " + FICTIONAL,
        ["kesehatan", "stunting", "gizi"],
        "kesehatan",
        Frequency.SEMIANNUAL,
        [stunting],
        access=AccessLevel.GOVERNMENT,
    ),
    DemoDataset(
        "donor-darah-bulanan",
        "Donor darah per bulan",
        "udd-pmi-sanggau",
        "pmi",
        "Kantong darah terkumpul dan donor baru per bulan menurut golongan darah. " + FICTIONAL,
        ["kesehatan", "donor-darah"],
        "kesehatan",
        Frequency.MONTHLY,
        [donations(12), donations(18), donations(22)],
        start=dt.date(2024, 1, 1),
        end=dt.date(2025, 10, 31),
    ),
    DemoDataset(
        "sekolah-per-kecamatan",
        "Sekolah, guru dan murid per kecamatan",
        "disdikbud-sanggau",
        "",
        "Jumlah satuan pendidikan SD, SMP dan SMA/SMK, guru dan murid per kecamatan. " + FICTIONAL,
        ["pendidikan", "sekolah"],
        "pendidikan",
        Frequency.ANNUAL,
        [schools],
    ),
    DemoDataset(
        "kejadian-bencana",
        "Kejadian bencana",
        "bpbd-sanggau",
        "",
        "Kejadian banjir, tanah longsor, kebakaran hutan dan lahan, dan angin puting beliung "
        "dengan rumah dan jiwa terdampak. " + FICTIONAL,
        ["kebencanaan", "banjir"],
        "kebencanaan",
        Frequency.MONTHLY,
        [disasters],
    ),
    DemoDataset(
        "produksi-perkebunan",
        "Luas dan produksi perkebunan rakyat",
        "disbunnak-sanggau",
        "",
        "Luas tanam dan produksi kelapa sawit, karet dan lada perkebunan rakyat per kecamatan. "
        + FICTIONAL,
        ["pertanian", "perkebunan"],
        "pertanian",
        Frequency.ANNUAL,
        [plantations],
    ),
    DemoDataset(
        "bidang-tanah-bersertifikat",
        "Bidang tanah terdaftar dan bersertifikat",
        "kantah-sanggau",
        "pertanahan",
        "Bidang tanah terdaftar, bersertifikat dan target PTSL per kecamatan, dibagikan untuk "
        "perencanaan pengadaan tanah. " + FICTIONAL,
        ["pertanahan", "ptsl"],
        "pertanahan",
        Frequency.ANNUAL,
        [land],
        access=AccessLevel.AGENCIES,
        allowed=["dpupr-sanggau", "bappeda-sanggau", "perkimtan-sanggau"],
    ),
    DemoDataset(
        "rumah-tidak-layak-huni",
        "Rumah tidak layak huni per kecamatan",
        "perkimtan-sanggau",
        "",
        "Jumlah rumah tidak layak huni dan yang direhabilitasi tahun 2025 per kecamatan. "
        + FICTIONAL,
        ["perumahan", "rtlh"],
        "perumahan_permukiman",
        Frequency.ANNUAL,
        [uninhabitable_houses],
    ),
    DemoDataset(
        "penerima-bantuan-sosial",
        "Keluarga penerima bantuan sosial per kecamatan",
        "dinsos-p3akb-sanggau",
        "",
        "Jumlah keluarga penerima PKH dan sembako per kecamatan; agregat, tanpa nama. " + FICTIONAL,
        ["sosial", "bansos"],
        "sosial",
        Frequency.SEMIANNUAL,
        [social_assistance],
    ),
    DemoDataset(
        "kunjungan-wisata-bulanan",
        "Kunjungan wisatawan per bulan",
        "disporapar-sanggau",
        "",
        "Wisatawan nusantara dan mancanegara per bulan, termasuk pelintas batas Entikong. "
        + FICTIONAL,
        ["pariwisata"],
        "ekonomi",
        Frequency.MONTHLY,
        [tourism],
    ),
    DemoDataset(
        "perizinan-berusaha-terbit",
        "Perizinan berusaha yang terbit",
        "dpmptsp-sanggau",
        "",
        "NIB usaha mikro, persetujuan bangunan gedung dan sertifikat laik fungsi yang terbit "
        "per bulan. " + FICTIONAL,
        ["perizinan", "investasi"],
        "ekonomi",
        Frequency.MONTHLY,
        [permits],
    ),
    DemoDataset(
        "realisasi-pajak-daerah",
        "Target dan realisasi pajak daerah",
        "bapenda-sanggau",
        "",
        "Target dan realisasi PBB-P2, BPHTB dan pajak restoran per bulan, dalam juta rupiah. "
        + FICTIONAL,
        ["keuangan-daerah", "pajak"],
        "tata_kelola_pemerintahan",
        Frequency.MONTHLY,
        [revenue],
    ),
    DemoDataset(
        "kualitas-air-sungai",
        "Kualitas air Sungai Kapuas dan Sekayam",
        "dlh-sanggau",
        "",
        "BOD, COD dan status mutu air di empat titik pantau, per triwulan. " + FICTIONAL,
        ["lingkungan", "air"],
        "lingkungan_hidup",
        Frequency.QUARTERLY,
        [river_quality],
    ),
    DemoDataset(
        "imunisasi-dasar-lengkap",
        "Imunisasi dasar lengkap per puskesmas",
        "dinkes-sanggau",
        "dinkes",
        "Draf: cakupan imunisasi dasar lengkap per puskesmas. " + FICTIONAL,
        ["kesehatan", "imunisasi"],
        "kesehatan",
        Frequency.MONTHLY,
        [],
        state="draft",
    ),
]


def load_demo(*, now: dt.datetime) -> dict[str, int]:
    """Create the demo datasets that do not exist yet, through the services."""
    counts = {"datasets": 0, "versions": 0}
    if not Region.objects.filter(code="61.03").exists():
        return counts
    walidata = User.objects.filter(username="walidata").first() or SYSTEM
    for i, spec in enumerate(DATASETS):
        if Dataset.objects.filter(slug=spec.slug).exists():
            continue
        publisher = Agency.objects.filter(slug=spec.publisher).first()
        if publisher is None:
            continue
        actor: Any = User.objects.filter(username=spec.actor).first() if spec.actor else None
        actor = actor or SYSTEM
        rng = random.Random(f"sinergi-catalog-{spec.slug}")  # noqa: S311 - demo figures
        start = now - dt.timedelta(days=30 * len(spec.versions) + 5)
        dataset = services.dataset_create(
            actor=actor,
            publisher=publisher,
            slug=spec.slug,
            title=spec.title,
            description=spec.description,
            tags=spec.tags,
            sector=spec.sector,
            frequency=spec.frequency,
            temporal_start=spec.start,
            temporal_end=spec.end,
            spatial_coverage=["61.03"],
            reference_codes="Kode wilayah Kemendagri (Permendagri 72/2019)",
            contact_name=f"Admin data {publisher.short_name or publisher.name}",
            contact_email=f"data@{spec.publisher}.demo.sinergi.invalid",
            access_level=spec.access,
            allowed_agencies=list(Agency.objects.filter(slug__in=spec.allowed)),
            now=start,
        )
        counts["datasets"] += 1
        for n, make in enumerate(spec.versions):
            services.version_upload(
                actor=actor,
                dataset=dataset,
                data=make(rng),
                filename=f"{spec.slug}-{n + 1}.csv",
                note="" if n == 0 else "Pemutakhiran bulanan",
                now=start + dt.timedelta(days=30 * n + i),
            )
            counts["versions"] += 1
        if spec.state in ("submitted", "published"):
            services.dataset_submit(actor=actor, dataset=dataset, now=now - dt.timedelta(days=3))
        if spec.state == "published":
            services.dataset_verify(
                actor=walidata,
                dataset=dataset,
                decision=VerifyDecision.PUBLISH,
                now=now - dt.timedelta(days=2),
            )
    counts["data_requests"] = _demo_data_requests(now)
    return counts


DATA_REQUESTS = [
    # (requester agency, its user, producer agency, title, description, dataset that
    #  fulfilled it or None, its producer's user)
    (
        "bappeda-sanggau",
        "kabappeda",
        "dpupr-sanggau",
        "Rumah tangga tanpa akses air minum layak per desa",
        "Untuk penyusunan RKPD 2027 kami memerlukan jumlah rumah tangga tanpa akses air minum "
        "layak per desa di Kabupaten Sanggau, keadaan akhir 2025, beserta sumber datanya.",
        None,
        "",
    ),
    (
        "dpupr-sanggau",
        "pupr",
        "kantah-sanggau",
        "Bidang tanah bersertifikat per kecamatan",
        "Untuk perencanaan pengadaan tanah SPAM kami memerlukan jumlah bidang tanah terdaftar "
        "dan bersertifikat per kecamatan, beserta target PTSL 2026.",
        "bidang-tanah-bersertifikat",
        "pertanahan",
    ),
]


def _demo_data_requests(now: dt.datetime) -> int:
    """Two data requests: one waiting at Dinas PUPR, one fulfilled by the Kantor
    Pertanahan's dataset; through the services, so each is also a coordination request."""
    made = 0
    for requester, asker, producer, title, description, fulfilled_by, answerer in DATA_REQUESTS:
        if DataRequest.objects.filter(title=title).exists():
            continue
        agencies = {a.slug: a for a in Agency.objects.filter(slug__in=[requester, producer])}
        user = User.objects.filter(username=asker).first()
        if len(agencies) < 2 or user is None:
            continue
        data_request = services.data_request_create(
            actor=user,
            requester=agencies[requester],
            producer=agencies[producer],
            title=title,
            description=description,
            now=now - dt.timedelta(days=9),
        )
        made += 1
        dataset = Dataset.objects.filter(slug=fulfilled_by).first() if fulfilled_by else None
        responder = User.objects.filter(username=answerer).first() if answerer else None
        if dataset is not None and responder is not None:
            services.data_request_fulfil(
                actor=responder,
                data_request=data_request,
                dataset=dataset,
                note="Data per kecamatan sudah kami terbitkan di katalog.",
                now=now - dt.timedelta(days=1),
            )
    return made
