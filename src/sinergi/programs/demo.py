"""Demo programs for Kabupaten Sanggau: the SPAM (water supply) extension coordinated by
Dinas PUPR, in which land acquisition slips, a stunting-reduction program coordinated by
Bappeda, and six smaller cross-sector programs (land certificates, land for a road, flood
preparedness, civil registration at the border, house rehabilitation, the Entikong border
area) whose late hand-offs mostly wait for the same few agencies. Dates are relative to
``now`` so that the progress reports lie in the past."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from sinergi.agencies.models import Agency
from sinergi.core.permissions import SYSTEM

from . import services
from .models import Program, WorkItem
from .scheduling import CALENDAR, local_today

SPAM = "SPAM-SANGGAU-2026"
STUNTING = "STUNTING-2026"

# (wbs, title, owner, duration, [(pred, type, lag)])
SPAM_ITEMS: list[tuple[str, str, str, int, list[tuple[str, str, int]]]] = [
    ("1.1", "Penetapan lokasi (SK Bupati)", "bappeda-sanggau", 10, []),
    ("1.2", "Review DED instalasi pengolahan air", "dpupr-sanggau", 25, [("1.1", "FS", 0)]),
    ("1.3", "Data pelanggan dan zona layanan", "perumda-air-minum-sanggau", 15, [("1.1", "FS", 0)]),
    ("1.4", "Penganggaran APBD dan DAK", "bappeda-sanggau", 20, [("1.1", "FS", 0)]),
    ("2.1", "Identifikasi dan inventarisasi lahan", "kantah-sanggau", 20, [("1.1", "FS", 0)]),
    ("2.2", "Musyawarah ganti kerugian", "kantah-sanggau", 25, [("2.1", "FS", 0)]),
    ("2.3", "Pembayaran dan pelepasan hak", "kantah-sanggau", 15, [("2.2", "FS", 0)]),
    ("2.4", "Sertifikasi tanah atas nama Pemda", "kantah-sanggau", 20, [("2.3", "FS", 0)]),
    ("2.5", "Lahan siap bangun", "kantah-sanggau", 0, [("2.3", "FS", 0)]),
    ("3.1", "Dokumen UKL-UPL", "dlh-sanggau", 15, [("1.2", "SS", 10)]),
    ("3.2", "Persetujuan lingkungan", "dlh-sanggau", 10, [("3.1", "FS", 0)]),
    (
        "3.3",
        "Persetujuan bangunan gedung (PBG)",
        "dpmptsp-sanggau",
        10,
        [("1.2", "FS", 0), ("3.2", "FS", 0)],
    ),
    ("3.4", "Izin pengambilan air baku", "dpmptsp-sanggau", 15, [("3.2", "FS", 0)]),
    (
        "4.1",
        "Dokumen pemilihan penyedia",
        "dpupr-sanggau",
        10,
        [("1.2", "FS", 0), ("1.4", "FS", 0)],
    ),
    ("4.2", "Tender konstruksi", "dpupr-sanggau", 30, [("4.1", "FS", 0)]),
    ("4.3", "Kontrak konstruksi ditandatangani", "dpupr-sanggau", 0, [("4.2", "FS", 0)]),
    (
        "5.1",
        "Mobilisasi kontraktor",
        "dpupr-sanggau",
        5,
        [("4.3", "FS", 0), ("2.5", "FS", 0), ("3.3", "FS", 0)],
    ),
    ("5.2", "Bangunan intake air baku", "dpupr-sanggau", 30, [("5.1", "FS", 0), ("3.4", "FS", 0)]),
    ("5.3", "Bangunan IPA 20 l/detik", "dpupr-sanggau", 60, [("5.1", "FS", 0)]),
    ("5.4", "Reservoir 500 m³", "dpupr-sanggau", 40, [("5.1", "SS", 10)]),
    ("5.5", "Pipa transmisi", "dpupr-sanggau", 45, [("5.1", "SS", 5)]),
    ("5.6", "Pipa distribusi", "dpupr-sanggau", 50, [("5.5", "SS", 15)]),
    ("5.7", "Sambungan rumah MBR", "perkimtan-sanggau", 30, [("5.6", "SS", 20)]),
    (
        "6.1",
        "Uji fungsi IPA",
        "dpupr-sanggau",
        10,
        [("5.2", "FS", 0), ("5.3", "FS", 0), ("5.4", "FS", 0)],
    ),
    ("6.2", "Pelatihan operator", "perumda-air-minum-sanggau", 10, [("6.1", "SS", 0)]),
    ("6.3", "Uji kualitas air", "perumda-air-minum-sanggau", 5, [("6.1", "FS", 0)]),
    (
        "6.4",
        "Serah terima aset ke Perumda",
        "perumda-air-minum-sanggau",
        5,
        [("6.3", "FS", 0), ("5.7", "FS", 0), ("2.4", "FS", 0)],
    ),
    (
        "6.5",
        "Operasi komersial",
        "perumda-air-minum-sanggau",
        0,
        [("6.4", "FS", 0), ("6.2", "FS", 0)],
    ),
]

SPAM_PARTNERS = [
    ("kantah-sanggau", "multi_sectoral", "Pengadaan dan sertifikasi tanah"),
    ("perumda-air-minum-sanggau", "multi_sectoral", "Operator SPAM, data pelanggan"),
    ("dlh-sanggau", "multi_sectoral", "Persetujuan lingkungan"),
    ("dpmptsp-sanggau", "multi_sectoral", "Perizinan (PBG, air baku)"),
    ("bappeda-sanggau", "inter_sectoral", "Perencanaan dan penganggaran"),
    ("perkimtan-sanggau", "multi_sectoral", "Sambungan rumah MBR"),
]

# Status periods (working days after the start) and what each agency reported:
# wbs -> (actual start, actual finish, percent, blocker), offsets in working days.
SPAM_PERIODS: list[tuple[int, dict[str, tuple[int | None, int | None, int, str]]]] = [
    (
        30,
        {
            "1.1": (0, 9, 100, ""),
            "1.2": (10, None, 80, ""),
            "1.3": (10, 24, 100, ""),
            "1.4": (10, 29, 100, ""),
            "2.1": (10, None, 50, "Batas bidang belum disepakati warga"),
            "3.1": (20, None, 60, ""),
        },
    ),
    (
        60,
        {
            "1.2": (10, 34, 100, ""),
            "2.1": (10, 39, 100, ""),
            "2.2": (40, None, 40, "Dua pemilik lahan menolak nilai appraisal"),
            "3.1": (20, 34, 100, ""),
            "3.2": (35, 44, 100, ""),
            "3.3": (45, 54, 100, ""),
            "3.4": (45, 59, 100, ""),
            "4.1": (35, 44, 100, ""),
            "4.2": (45, None, 50, ""),
        },
    ),
    (
        90,
        {
            "2.2": (40, 74, 100, ""),
            "2.3": (75, 89, 100, ""),
            "2.5": (89, 89, 100, ""),
            "4.2": (45, 74, 100, ""),
            "4.3": (74, 74, 100, ""),
        },
    ),
    (
        105,
        {
            "2.4": (90, None, 30, ""),
            "5.1": (None, None, 0, "Berita acara penyerahan lahan belum diterima dari Kantah"),
        },
    ),
]

STUNTING_ITEMS: list[tuple[str, str, str, int, list[tuple[str, str, int]]]] = [
    ("1", "Penetapan desa lokus stunting", "bappeda-sanggau", 10, []),
    ("2", "Pendataan keluarga berisiko stunting", "dinsos-p3akb-sanggau", 20, [("1", "FS", 0)]),
    ("3", "Penimbangan serentak balita", "dinkes-sanggau", 15, [("1", "FS", 5)]),
    (
        "4",
        "Analisis situasi dan rembuk stunting",
        "bappeda-sanggau",
        10,
        [("2", "FS", 0), ("3", "FS", 0)],
    ),
    ("5", "Alokasi dana desa untuk gizi", "dpmpd-sanggau", 20, [("4", "FS", 0)]),
    ("6", "PMT lokal untuk balita gizi kurang", "dinkes-sanggau", 60, [("4", "FS", 0)]),
    (
        "7",
        "Pendampingan keluarga oleh TPK",
        "dinsos-p3akb-sanggau",
        60,
        [("2", "FS", 0), ("5", "SS", 5)],
    ),
    ("8", "Kelas ibu hamil dan balita di posyandu", "dinkes-sanggau", 40, [("5", "FS", 0)]),
    (
        "9",
        "Evaluasi prevalensi (e-PPGBM)",
        "dinkes-sanggau",
        10,
        [("6", "FS", 0), ("7", "FS", 0), ("8", "FS", 0)],
    ),
    ("10", "Laporan kinerja konvergensi", "bappeda-sanggau", 5, [("9", "FS", 0)]),
]


def _start(today: dt.date, days_back: int) -> dt.date:
    d = today - dt.timedelta(days=days_back)
    d -= dt.timedelta(days=d.weekday())
    while not CALENDAR.is_working_day(d):
        d += dt.timedelta(days=1)
    return d


def _plan(
    program: Program,
    items: list[tuple[str, str, str, int, list[tuple[str, str, int]]]],
    now: dt.datetime,
) -> dict[str, WorkItem]:
    agencies = {a.slug: a for a in Agency.objects.filter(slug__in={i[2] for i in items})}
    made: dict[str, WorkItem] = {}
    for wbs, title, owner, duration, _preds in items:
        made[wbs] = services.workitem_create(
            actor=SYSTEM,
            program=program,
            wbs=wbs,
            title=title,
            owner=agencies[owner],
            duration=duration,
            now=now,
        )
    for wbs, _title, _owner, _duration, preds in items:
        for pred, typ, lag in preds:
            services.dependency_add(
                actor=SYSTEM,
                predecessor=made[pred],
                successor=made[wbs],
                type=typ,
                lag=lag,
                now=now,
            )
    return made


def _spam(now: dt.datetime) -> dict[str, int]:
    pupr = Agency.objects.get(slug="dpupr-sanggau")
    today = local_today(Program(region=pupr.region), now)
    start = _start(today, 175)
    program = services.program_create(
        actor=SYSTEM,
        code=SPAM,
        title="Perluasan SPAM IKK Kapuas (IPA 20 l/detik)",
        goal=(
            "Menambah kapasitas air minum Kota Sanggau 20 liter/detik dan 2.000 sambungan rumah "
            "baru, dengan lahan, perizinan, konstruksi dan operasi dikerjakan bersama."
        ),
        coordinator=pupr,
        planned_start=start,
        status="active",
        visibility="public",
        budget=Decimal("38500000000"),
        sectors=[],
        plan_codes="1.03.03.2.01 Pengelolaan dan Pengembangan SPAM\nRPJMD 2025-2029 Misi 2",
        now=now,
    )
    partners = {}
    for slug, mode, role in SPAM_PARTNERS:
        partners[slug] = services.program_add_partner(
            actor=SYSTEM,
            program=program,
            agency=Agency.objects.get(slug=slug),
            mode=mode,
            role=role,
            now=now,
        )
    made = _plan(program, SPAM_ITEMS, now)
    program.refresh_from_db()
    services.baseline_take(
        actor=SYSTEM, program=program, name="Rencana awal", data_date=start, now=now
    )
    program.refresh_from_db()
    day = {n: CALENDAR.date_at(start, n) for n in range(0, 200)}
    updates = 0
    for period, reports in SPAM_PERIODS:
        for wbs, (s, f, pct, blocker) in reports.items():
            services.progress_record(
                actor=SYSTEM,
                item=made[wbs],
                data_date=day[period],
                percent_complete=pct,
                actual_start=day[s] if s is not None else None,
                actual_finish=day[f] if f is not None else None,
                blocker=blocker,
                note="Laporan rapat koordinasi",
                now=now,
            )
            updates += 1
    commitments = [
        (
            "bappeda-sanggau",
            "budget",
            "Pendamping APBD untuk DAK air minum",
            "4500000000",
            "rupiah",
            20,
            "4500000000",
        ),
        ("kantah-sanggau", "permit", "Penetapan lokasi dan peta bidang", "1", "dokumen", 30, "1"),
        (
            "perumda-air-minum-sanggau",
            "staff",
            "Operator IPA bersertifikat",
            "6",
            "orang",
            150,
            "2",
        ),
        ("dlh-sanggau", "permit", "Persetujuan lingkungan", "1", "dokumen", 45, "1"),
        ("dpmptsp-sanggau", "permit", "PBG dan izin air baku", "2", "izin", 60, "2"),
        ("perkimtan-sanggau", "budget", "Sambungan rumah MBR", "2000", "SR", 170, "0"),
    ]
    for slug, kind, desc, amount, unit, due, done in commitments:
        c = services.commitment_add(
            actor=SYSTEM,
            partnership=partners[slug],
            kind=kind,
            description=desc,
            amount=Decimal(amount),
            unit=unit,
            due_date=day[due],
            now=now,
        )
        if Decimal(done):
            services.commitment_fulfil(
                actor=SYSTEM, commitment=c, date=min(day[due], today), amount=Decimal(done), now=now
            )
    ind = services.indicator_add(
        actor=SYSTEM,
        program=program,
        name="Cakupan layanan air minum perpipaan",
        unit="%",
        baseline_value=Decimal("61.5"),
        target_value=Decimal("75"),
        now=now,
    )
    services.indicator_record(
        actor=SYSTEM, indicator=ind, date=day[60], value=Decimal("62.1"), now=now
    )
    services.indicator_add(
        actor=SYSTEM,
        program=program,
        name="Sambungan rumah baru",
        unit="SR",
        baseline_value=Decimal(0),
        target_value=Decimal(2000),
        now=now,
    )
    return {"work_items": len(made), "progress_updates": updates}


def _stunting(now: dt.datetime) -> dict[str, int]:
    bappeda = Agency.objects.get(slug="bappeda-sanggau")
    today = local_today(Program(region=bappeda.region), now)
    start = _start(today, 70)
    program = services.program_create(
        actor=SYSTEM,
        code=STUNTING,
        title="Percepatan penurunan stunting 2026",
        goal="Menurunkan prevalensi stunting balita dari 24,1% menjadi 18% melalui konvergensi.",
        coordinator=bappeda,
        planned_start=start,
        status="active",
        visibility="internal",
        budget=Decimal("6200000000"),
        plan_codes=(
            "5.01.01.2.02 Koordinasi perencanaan bidang pemerintahan dan pembangunan manusia"
        ),
        now=now,
    )
    for slug, mode, role in (
        ("dinkes-sanggau", "multi_sectoral", "Intervensi spesifik"),
        ("dinsos-p3akb-sanggau", "multi_sectoral", "Pendampingan keluarga (TPK)"),
        ("dpmpd-sanggau", "inter_sectoral", "Dana desa untuk gizi"),
    ):
        services.program_add_partner(
            actor=SYSTEM,
            program=program,
            agency=Agency.objects.get(slug=slug),
            mode=mode,
            role=role,
            now=now,
        )
    made = _plan(program, STUNTING_ITEMS, now)
    program.refresh_from_db()
    services.baseline_take(
        actor=SYSTEM, program=program, name="Rencana awal", data_date=start, now=now
    )
    day = {n: CALENDAR.date_at(start, n) for n in range(0, 60)}
    for wbs, s, f, pct in (("1", 0, 9, 100), ("2", 10, None, 60), ("3", 15, 29, 100)):
        services.progress_record(
            actor=SYSTEM,
            item=made[wbs],
            data_date=day[30],
            percent_complete=pct,
            actual_start=day[s],
            actual_finish=day[f] if f is not None else None,
            now=now,
        )
    services.indicator_add(
        actor=SYSTEM,
        program=program,
        name="Prevalensi stunting balita",
        unit="%",
        baseline_value=Decimal("24.1"),
        target_value=Decimal("18"),
        now=now,
    )
    return {"work_items": len(made)}


@dataclass(frozen=True)
class SmallProgram:
    """A compact demo program: plan, partners and what was reported at one status date.

    ``reports`` maps a WBS code to (actual start, actual finish, percent, blocker) in
    working days after the start; ``status_day`` is the working day of the report."""

    code: str
    title: str
    goal: str
    coordinator: str
    sectors: tuple[str, ...]
    visibility: str
    days_back: int
    budget: str
    partners: tuple[tuple[str, str, str], ...]
    items: list[tuple[str, str, str, int, list[tuple[str, str, int]]]]
    status_day: int
    reports: dict[str, tuple[int | None, int | None, int, str]] = field(default_factory=dict)


SMALL_PROGRAMS = [
    SmallProgram(
        "PTSL-SANGGAU-2026",
        "Percepatan sertipikasi tanah warga dan aset desa (PTSL)",
        "Menerbitkan 3.000 sertipikat tanah warga dan aset desa di Kecamatan Kapuas dan "
        "Meliau, dengan data yuridis dari kecamatan dan pengukuran oleh Kantor Pertanahan.",
        "perkimtan-sanggau",
        ("pertanahan", "perumahan_permukiman"),
        "public",
        130,
        "2400000000",
        (
            ("kantah-sanggau", "multi_sectoral", "Pengukuran, pemetaan dan penerbitan sertipikat"),
            ("kecamatan-kapuas", "multi_sectoral", "Data yuridis dan pengumuman"),
            ("kecamatan-meliau", "multi_sectoral", "Data yuridis dan pengumuman"),
            ("bpkad-sanggau", "inter_sectoral", "Daftar aset desa dan pemda"),
        ),
        [
            ("1", "Inventarisasi bidang tanah Kecamatan Kapuas", "kecamatan-kapuas", 15, []),
            ("2", "Inventarisasi bidang tanah Kecamatan Meliau", "kecamatan-meliau", 15, []),
            ("3", "Pengumpulan data yuridis dan penyuluhan", "perkimtan-sanggau", 10,
             [("1", "FS", 0), ("2", "FS", 0)]),
            ("4", "Pengukuran dan pemetaan bidang", "kantah-sanggau", 30, [("3", "FS", 0)]),
            ("5", "Pengumuman data fisik dan yuridis", "kecamatan-kapuas", 14, [("4", "FS", 0)]),
            ("6", "Penerbitan sertipikat", "kantah-sanggau", 20, [("5", "FS", 0)]),
            ("7", "Penyerahan sertipikat kepada warga", "perkimtan-sanggau", 0, [("6", "FS", 0)]),
        ],
        60,
        {
            "1": (0, 14, 100, ""),
            "2": (0, 24, 100, ""),
            "3": (25, 36, 100, ""),
            "4": (37, None, 35, "Juru ukur Kantor Pertanahan hanya dua tim untuk dua kecamatan"),
        },
    ),
    SmallProgram(
        "JALAN-SEKAYAM-2026",
        "Pengadaan tanah jalan poros Sekayam–Entikong",
        "Membebaskan lahan 14 km jalan poros Sekayam–Entikong agar konstruksi pelebaran jalan "
        "kabupaten dapat dimulai tahun ini.",
        "dpupr-sanggau",
        ("infrastruktur", "pertanahan"),
        "public",
        150,
        "17500000000",
        (
            ("kantah-sanggau", "multi_sectoral", "Pelaksana pengadaan tanah"),
            ("setda-sanggau", "inter_sectoral", "Penetapan lokasi"),
            ("kecamatan-sekayam", "multi_sectoral", "Musyawarah dengan warga"),
            ("bpkad-sanggau", "inter_sectoral", "Pembayaran ganti kerugian"),
        ),
        [
            ("1", "Dokumen perencanaan pengadaan tanah", "dpupr-sanggau", 15, []),
            ("2", "Penetapan lokasi oleh Bupati", "setda-sanggau", 10, [("1", "FS", 0)]),
            ("3", "Inventarisasi dan identifikasi bidang", "kantah-sanggau", 25, [("2", "FS", 0)]),
            ("4", "Penilaian ganti kerugian (appraisal)", "kantah-sanggau", 20, [("3", "FS", 0)]),
            ("5", "Musyawarah ganti kerugian dengan warga", "kecamatan-sekayam", 15,
             [("4", "FS", 0)]),
            ("6", "Pembayaran ganti kerugian", "bpkad-sanggau", 10, [("5", "FS", 0)]),
            ("7", "Pelepasan hak dan penyerahan lahan", "kantah-sanggau", 10, [("6", "FS", 0)]),
            ("8", "Konstruksi pelebaran jalan", "dpupr-sanggau", 80, [("7", "FS", 0)]),
        ],
        95,
        {
            "1": (0, 14, 100, ""),
            "2": (15, 29, 100, ""),
            "3": (30, 72, 100, ""),
            "4": (73, None, 40, "Appraisal menunggu peta bidang final dari Kantor Pertanahan"),
        },
    ),
    SmallProgram(
        "SIAGA-BANJIR-2026",
        "Kesiapsiagaan banjir DAS Kapuas",
        "Menyiapkan peringatan dini, logistik, layanan kesehatan dan jalur evakuasi di desa "
        "rawan banjir sepanjang Sungai Kapuas sebelum puncak musim hujan.",
        "bpbd-sanggau",
        ("kebencanaan",),
        "public",
        90,
        "1850000000",
        (
            ("diskominfo-sanggau", "multi_sectoral", "Peringatan dini"),
            ("dpupr-sanggau", "multi_sectoral", "Drainase"),
            ("dinsos-p3akb-sanggau", "multi_sectoral", "Logistik"),
            ("dinkes-sanggau", "multi_sectoral", "Pos kesehatan"),
            ("kecamatan-kapuas", "multi_sectoral", "Evakuasi warga"),
        ),
        [
            ("1", "Pemetaan desa rawan banjir", "bpbd-sanggau", 10, []),
            ("2", "Peringatan dini lewat SMS dan radio", "diskominfo-sanggau", 20,
             [("1", "FS", 0)]),
            ("3", "Normalisasi drainase kota", "dpupr-sanggau", 40, [("1", "FS", 0)]),
            ("4", "Lumbung logistik di kecamatan", "dinsos-p3akb-sanggau", 15, [("1", "FS", 0)]),
            ("5", "Pos kesehatan siaga banjir", "dinkes-sanggau", 10, [("1", "FS", 0)]),
            ("6", "Simulasi evakuasi", "kecamatan-kapuas", 5,
             [("2", "FS", 0), ("4", "FS", 0), ("5", "FS", 0)]),
        ],
        45,
        {
            "1": (0, 9, 100, ""),
            "2": (10, None, 60, ""),
            "3": (12, None, 30, "Kontraktor drainase belum mobilisasi"),
            "4": (10, 24, 100, ""),
            "5": (10, 19, 100, ""),
        },
    ),
    SmallProgram(
        "ADMINDUK-PERBATASAN-2026",
        "Layanan adminduk keliling di kecamatan perbatasan",
        "Semua warga Entikong dan Sekayam memiliki KTP-el dan akta kelahiran, sehingga dapat "
        "menerima bantuan sosial dan layanan kesehatan.",
        "disdukcapil-sanggau",
        ("kependudukan", "sosial"),
        "public",
        75,
        "650000000",
        (
            ("kecamatan-entikong", "multi_sectoral", "Pendataan warga"),
            ("kecamatan-sekayam", "multi_sectoral", "Pendataan warga"),
            ("diskominfo-sanggau", "inter_sectoral", "Jaringan internet layanan keliling"),
            ("dinsos-p3akb-sanggau", "multi_sectoral", "Pemadanan data bansos"),
        ),
        [
            ("1", "Pendataan warga tanpa KTP-el di Entikong", "kecamatan-entikong", 15, []),
            ("2", "Pendataan warga tanpa KTP-el di Sekayam", "kecamatan-sekayam", 15, []),
            ("3", "Jaringan internet layanan keliling", "diskominfo-sanggau", 10, []),
            ("4", "Perekaman KTP-el dan akta keliling", "disdukcapil-sanggau", 20,
             [("1", "FS", 0), ("2", "FS", 0), ("3", "FS", 0)]),
            ("5", "Pemadanan data penerima bansos", "dinsos-p3akb-sanggau", 10, [("4", "FS", 0)]),
        ],
        30,
        {
            "1": (0, 14, 100, ""),
            "2": (0, None, 70, "Petugas kecamatan merangkap panitia pemilihan kepala desa"),
            "3": (0, 7, 100, ""),
        },
    ),
    SmallProgram(
        "RTLH-2026",
        "Rehabilitasi rumah tidak layak huni 2026",
        "Merehabilitasi 400 rumah tidak layak huni keluarga miskin, dengan verifikasi "
        "penerima, status tanah dan dana desa pendamping.",
        "perkimtan-sanggau",
        ("perumahan_permukiman", "sosial"),
        "internal",
        60,
        "8000000000",
        (
            ("dinsos-p3akb-sanggau", "multi_sectoral", "Verifikasi calon penerima"),
            ("kantah-sanggau", "multi_sectoral", "Verifikasi status tanah"),
            ("dpmpd-sanggau", "inter_sectoral", "Dana desa pendamping"),
            ("bpkad-sanggau", "inter_sectoral", "Pencairan bantuan"),
        ),
        [
            ("1", "Verifikasi calon penerima", "dinsos-p3akb-sanggau", 15, []),
            ("2", "Verifikasi status tanah calon penerima", "kantah-sanggau", 15, [("1", "FS", 0)]),
            ("3", "Dana desa pendamping", "dpmpd-sanggau", 10, [("1", "FS", 0)]),
            ("4", "Pencairan bantuan", "bpkad-sanggau", 10, [("2", "FS", 0), ("3", "FS", 0)]),
            ("5", "Pembangunan rumah", "perkimtan-sanggau", 45, [("4", "FS", 0)]),
        ],
        30,
        {
            "1": (0, 14, 100, ""),
            "2": (15, None, 45, "Sebagian calon penerima belum memiliki alas hak tanah"),
            "3": (15, 26, 100, ""),
        },
    ),
    SmallProgram(
        "KAWASAN-ENTIKONG-2026",
        "Penataan kawasan perbatasan PLBN Entikong",
        "Menata pasar, lalu lintas angkutan barang dan perizinan usaha di sekitar PLBN "
        "Entikong agar perdagangan lintas batas tertib dan lingkungan terjaga.",
        "bappeda-sanggau",
        ("ekonomi", "perhubungan", "lingkungan_hidup"),
        "public",
        100,
        "5300000000",
        (
            ("disperindagkop-um-sanggau", "multi_sectoral", "Relokasi pedagang"),
            ("dishub-sanggau", "multi_sectoral", "Manajemen lalu lintas"),
            ("dlh-sanggau", "multi_sectoral", "Kajian lingkungan"),
            ("dpmptsp-sanggau", "multi_sectoral", "Perizinan usaha"),
            ("kecamatan-entikong", "multi_sectoral", "Sosialisasi warga"),
        ),
        [
            ("1", "Rencana tata kawasan", "bappeda-sanggau", 20, []),
            ("2", "Kajian lingkungan hidup strategis", "dlh-sanggau", 25, [("1", "FS", 0)]),
            ("3", "Relokasi pedagang pasar perbatasan", "disperindagkop-um-sanggau", 30,
             [("2", "FS", 0)]),
            ("4", "Manajemen lalu lintas angkutan barang", "dishub-sanggau", 20, [("1", "FS", 0)]),
            ("5", "Perizinan usaha terpadu", "dpmptsp-sanggau", 15, [("3", "SS", 5)]),
            ("6", "Sosialisasi kepada warga", "kecamatan-entikong", 10, [("3", "SS", 0)]),
        ],
        60,
        {
            "1": (0, 19, 100, ""),
            "2": (20, 57, 100, ""),
            "3": (58, None, 5, "Lokasi relokasi pasar belum disepakati pedagang"),
            "4": (20, None, 50, ""),
        },
    ),
]  # fmt: skip


def _small(spec: SmallProgram, now: dt.datetime) -> dict[str, int]:
    coordinator = Agency.objects.get(slug=spec.coordinator)
    today = local_today(Program(region=coordinator.region), now)
    start = _start(today, spec.days_back)
    program = services.program_create(
        actor=SYSTEM,
        code=spec.code,
        title=spec.title,
        goal=spec.goal,
        coordinator=coordinator,
        planned_start=start,
        status="active",
        visibility=spec.visibility,
        budget=Decimal(spec.budget),
        sectors=list(spec.sectors),
        now=now,
    )
    agencies = {a.slug: a for a in Agency.objects.filter(slug__in=[p[0] for p in spec.partners])}
    for slug, mode, role in spec.partners:
        services.program_add_partner(
            actor=SYSTEM, program=program, agency=agencies[slug], mode=mode, role=role, now=now
        )
    made = _plan(program, spec.items, now)
    program.refresh_from_db()
    services.baseline_take(
        actor=SYSTEM, program=program, name="Rencana awal", data_date=start, now=now
    )
    day = {n: CALENDAR.date_at(start, n) for n in range(0, spec.status_day + 1)}
    for wbs, (s, f, pct, blocker) in spec.reports.items():
        services.progress_record(
            actor=SYSTEM,
            item=made[wbs],
            data_date=min(day[spec.status_day], today),
            percent_complete=pct,
            actual_start=day[s] if s is not None else None,
            actual_finish=day[f] if f is not None else None,
            blocker=blocker,
            note="Laporan rapat koordinasi",
            now=now,
        )
    return {"work_items": len(made), "progress_updates": len(spec.reports)}


@transaction.atomic
def load_demo(*, now: dt.datetime) -> dict[str, Any]:
    """Create the demo programs once; running again changes nothing."""
    counts: dict[str, Any] = {}
    if not Program.objects.filter(code=SPAM).exists():
        counts["spam"] = _spam(now)
    if not Program.objects.filter(code=STUNTING).exists():
        counts["stunting"] = _stunting(now)
    existing = set(Program.objects.values_list("code", flat=True))
    for spec in SMALL_PROGRAMS:
        if spec.code not in existing:
            counts[spec.code] = _small(spec, now)
    return counts
