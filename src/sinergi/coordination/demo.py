"""Demo coordination data for Kabupaten Sanggau, replayed through the services at past
moments so that every clock, escalation and timeline is what the rules produce.

Two layers: hand-written scripts for the last two months (every status a request can be
in), and twelve months of generated history (``history_scripts``, seeded) in which some
agencies answer within days, some are chronically late (the Kantor Pertanahan, Dinas
PUPR, BPJN, DPMPD), a few pairs are stuck with several overdue requests, and some
requests are forwarded as "bukan wewenang"."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from sinergi.accounts.models import User
from sinergi.core.permissions import SYSTEM

from . import services
from .choices import RequestKind
from .models import Meeting, Request

MARK = "[demo]"  # ends the body of every demo request, so a second load is a no-op


@dataclass
class Script:
    """One demo request: who asks whom, and what happens on which day after submission."""

    days_ago: int
    by: str
    frm: str
    to: str
    kind: str
    subject: str
    steps: list[tuple[int, str, str, dict[str, Any]]] = field(default_factory=list)


def _answered(handler: str, requester: str, ack: int, answer: int, close: int | None) -> Any:
    steps = [
        (ack, "acknowledge", handler, {}),
        (ack + 1, "start", handler, {}),
        (answer, "answer", handler, {"body": "Jawaban dan data terlampir."}),
    ]
    if close is not None:
        steps.append((close, "close", requester, {"body": "Terima kasih, sudah lengkap."}))
    return steps


SCRIPTS = [
    # Answered in time and closed.
    Script(55, "pupr", "dpupr-sanggau", "kantah-sanggau", "data",
           "Data status tanah lokasi IPA Tanjung Sekayam",
           _answered("pertanahan", "pupr", 1, 6, 8)),
    Script(50, "dinkes", "dinkes-sanggau", "udd-pmi-sanggau", "information",
           "Rekap stok darah golongan O bulan lalu", _answered("pmi", "dinkes", 1, 4, 5)),
    Script(48, "rsud", "rsud-sanggau", "dinkes-sanggau", "support",
           "Dukungan tenaga analis laboratorium", _answered("dinkes", "rsud", 2, 7, 9)),
    Script(45, "walidata", "diskominfo-sanggau", "dinkes-sanggau", "data",
           "Data cakupan imunisasi per puskesmas untuk Satu Data",
           _answered("dinkes", "walidata", 1, 5, 6)),
    Script(42, "kabappeda", "bappeda-sanggau", "dpupr-sanggau", "information",
           "Progres fisik jalan poros Kecamatan Meliau",
           _answered("pupr", "kabappeda", 1, 3, 4)),
    Script(40, "pmi", "udd-pmi-sanggau", "rsud-sanggau", "information",
           "Pemakaian darah RSUD triwulan III", _answered("rsud", "pmi", 1, 6, None)),
    Script(38, "pupr", "dpupr-sanggau", "diskominfo-sanggau", "support",
           "Dukungan jaringan internet posko tanggap darurat",
           _answered("walidata", "pupr", 1, 2, 3)),
    Script(35, "dinkes", "dinkes-sanggau", "bappeda-sanggau", "approval",
           "Rekomendasi usulan DAK kesehatan", _answered("kabappeda", "dinkes", 2, 9, 10)),
    # Answered late (after the escalation to the agency head).
    Script(60, "dinkes", "dinkes-sanggau", "dpupr-sanggau", "data",
           "Data jaringan air minum desa lokus stunting",
           _answered("pupr", "dinkes", 3, 19, 21)),
    Script(58, "walidata", "diskominfo-sanggau", "kantah-sanggau", "data",
           "Peta bidang tanah aset pemda untuk portal Satu Data",
           _answered("pertanahan", "walidata", 4, 22, None)),
    Script(52, "rsud", "rsud-sanggau", "udd-pmi-sanggau", "support",
           "Dropping darah PRC untuk stok akhir tahun", _answered("pmi", "rsud", 2, 17, 18)),
    # Open, overdue and escalated up to the Sekda or the Bupati.
    Script(34, "pupr", "dpupr-sanggau", "kantah-sanggau", "approval",
           "Pertimbangan teknis pertanahan lokasi jembatan Sungai Sekayam",
           [(2, "acknowledge", "pertanahan", {})]),
    Script(30, "kabappeda", "bappeda-sanggau", "kantah-sanggau", "data",
           "Data sertipikasi tanah program PTSL 2026",
           [(1, "acknowledge", "pertanahan", {}), (3, "start", "pertanahan", {})]),
    Script(27, "dinkes", "dinkes-sanggau", "rsud-sanggau", "information",
           "Data kasus gizi buruk rujukan RSUD", [(1, "acknowledge", "rsud", {})]),
    Script(25, "walidata", "diskominfo-sanggau", "dpupr-sanggau", "data",
           "Data jalan kabupaten format SHP", []),
    Script(22, "rsud", "rsud-sanggau", "dpupr-sanggau", "action",
           "Perbaikan akses jalan IGD RSUD", [(2, "acknowledge", "pupr", {})]),
    # Forwarded as "bukan wewenang".
    Script(33, "dinkes", "dinkes-sanggau", "kantah-sanggau", "information",
           "Status lahan rencana Puskesmas Pembantu Entikong",
           [(1, "acknowledge", "pertanahan", {}),
            (2, "forward", "pertanahan",
             {"to_agency": "perkimtan-sanggau",
              "body": "Bukan wewenang: lahan aset pemda dikelola Dinas Perkimtan."})]),
    Script(20, "pmi", "udd-pmi-sanggau", "dinkes-sanggau", "support",
           "Kendaraan operasional donor darah keliling",
           [(1, "forward", "dinkes",
             {"to_agency": "bpkad-sanggau",
              "body": "Bukan wewenang: pinjam pakai kendaraan diatur BPKAD."})]),
    Script(16, "walidata", "diskominfo-sanggau", "rsud-sanggau", "data",
           "Data kunjungan pasien untuk dasbor pimpinan",
           [(1, "forward", "rsud",
             {"to_agency": "dinkes-sanggau",
              "body": "Bukan wewenang: rekap kunjungan seluruh faskes ada di Dinkes."}),
            (3, "acknowledge", "dinkes", {}),
            (6, "answer", "dinkes", {"body": "Data rekap kunjungan terlampir."})]),
    # Declined with a reason, and one reopened after an incomplete answer.
    Script(26, "pupr", "dpupr-sanggau", "udd-pmi-sanggau", "support",
           "Pinjam tenda untuk kegiatan bakti sosial",
           [(1, "decline", "pmi", {"body": "Tenda sedang dipakai tanggap bencana banjir."})]),
    Script(24, "kabappeda", "bappeda-sanggau", "dinkes-sanggau", "data",
           "Indikator kinerja SPM kesehatan 2026",
           [(1, "acknowledge", "dinkes", {}),
            (4, "answer", "dinkes", {"body": "Indikator terlampir."}),
            (6, "reopen", "kabappeda", {"body": "Data puskesmas Sekayam belum ada."})]),
    # Information request extended once (UU 14/2008).
    Script(18, "pupr", "dpupr-sanggau", "dinkes-sanggau", "information",
           "Data sanitasi rumah tangga per desa",
           [(1, "acknowledge", "dinkes", {}),
            (8, "extend", "dinkes", {"body": "Rekap dari 19 puskesmas belum lengkap."})]),
    # Recent: waiting, acknowledged, in progress.
    Script(9, "dinkes", "dinkes-sanggau", "diskominfo-sanggau", "support",
           "Publikasi jadwal imunisasi di kanal resmi", [(1, "acknowledge", "walidata", {})]),
    Script(7, "rsud", "rsud-sanggau", "bappeda-sanggau", "approval",
           "Rekomendasi pengembangan ruang ICU",
           [(1, "acknowledge", "kabappeda", {}), (2, "start", "kabappeda", {})]),
    Script(5, "kabappeda", "bappeda-sanggau", "udd-pmi-sanggau", "information",
           "Jumlah pendonor sukarela 2026", []),
    Script(4, "walidata", "diskominfo-sanggau", "bappeda-sanggau", "data",
           "Daftar program lintas sektor untuk portal", []),
    Script(3, "pupr", "dpupr-sanggau", "dinkes-sanggau", "action",
           "Uji kualitas air sumur bor Desa Sungai Mawang", [(1, "acknowledge", "dinkes", {})]),
    Script(2, "dinkes", "dinkes-sanggau", "dpupr-sanggau", "information",
           "Jadwal pembangunan jamban sehat", []),
    Script(1, "pmi", "udd-pmi-sanggau", "diskominfo-sanggau", "support",
           "Siaran ajakan donor darah", []),
]  # fmt: skip


# Who answers for an agency in the demo (its demo user); other agencies act as SYSTEM.
HANDLERS = {
    "dpupr-sanggau": "pupr",
    "kantah-sanggau": "pertanahan",
    "dinkes-sanggau": "dinkes",
    "diskominfo-sanggau": "walidata",
    "bappeda-sanggau": "kabappeda",
    "udd-pmi-sanggau": "pmi",
    "rsud-sanggau": "rsud",
    "setda-sanggau": "sekda",
}

# How fast an agency answers: (days to acknowledge, days to answer when on time, days to
# answer when late, share of late answers). Days are calendar days after submission; the
# SLA is 10 to 15 working days, about 14 to 21 calendar days.
PROFILES = {
    "fast": ((0, 1), (2, 7), (16, 18), 0.0),
    "normal": ((1, 2), (4, 12), (17, 26), 0.12),
    "late": ((2, 6), (9, 13), (18, 40), 0.65),
}
PROFILE_OF = {
    "diskominfo-sanggau": "fast",
    "bappeda-sanggau": "fast",
    "disdukcapil-sanggau": "fast",
    "bps-sanggau": "fast",
    "dpmptsp-sanggau": "fast",
    "bpkad-sanggau": "fast",
    "kantah-sanggau": "late",
    "dpupr-sanggau": "late",
    "bpjn-kalbar": "late",
    "dpmpd-sanggau": "late",
}

# (from, to, kind, subject with {periode}); one is drawn several times a month.
HISTORY_TEMPLATES = [
    (
        "bappeda-sanggau",
        "dpupr-sanggau",
        "information",
        "Progres fisik kegiatan infrastruktur {periode}",
    ),
    ("bappeda-sanggau", "dinkes-sanggau", "data", "Capaian indikator SPM kesehatan {periode}"),
    (
        "bappeda-sanggau",
        "bps-sanggau",
        "data",
        "Angka kemiskinan dan IPM terbaru untuk RKPD ({periode})",
    ),
    (
        "bappeda-sanggau",
        "bpkad-sanggau",
        "information",
        "Realisasi belanja perangkat daerah {periode}",
    ),
    (
        "dpupr-sanggau",
        "kantah-sanggau",
        "data",
        "Status tanah lokasi kegiatan jalan dan jembatan ({periode})",
    ),
    (
        "dpupr-sanggau",
        "dlh-sanggau",
        "approval",
        "Rekomendasi UKL-UPL kegiatan konstruksi ({periode})",
    ),
    (
        "dpupr-sanggau",
        "dpmptsp-sanggau",
        "approval",
        "Persetujuan bangunan gedung kantor ({periode})",
    ),
    ("perkimtan-sanggau", "kantah-sanggau", "data", "Data bidang tanah aset perumahan ({periode})"),
    ("dinkes-sanggau", "disdukcapil-sanggau", "data", "Data NIK balita untuk e-PPGBM ({periode})"),
    (
        "dinkes-sanggau",
        "dinsos-p3akb-sanggau",
        "data",
        "Data keluarga berisiko stunting ({periode})",
    ),
    (
        "dinkes-sanggau",
        "dpupr-sanggau",
        "information",
        "Akses air minum di desa lokus stunting ({periode})",
    ),
    (
        "dinsos-p3akb-sanggau",
        "disdukcapil-sanggau",
        "data",
        "Pemadanan NIK penerima bansos {periode}",
    ),
    (
        "dinsos-p3akb-sanggau",
        "dpmpd-sanggau",
        "information",
        "Alokasi dana desa untuk perlindungan sosial ({periode})",
    ),
    ("disdikbud-sanggau", "bpkad-sanggau", "support", "Pencairan dana BOS daerah {periode}"),
    (
        "disdikbud-sanggau",
        "dpupr-sanggau",
        "action",
        "Perbaikan ruang kelas rusak berat ({periode})",
    ),
    (
        "diskominfo-sanggau",
        "dlh-sanggau",
        "data",
        "Data kualitas air sungai untuk Satu Data ({periode})",
    ),
    (
        "diskominfo-sanggau",
        "disdikbud-sanggau",
        "data",
        "Data sekolah dan guru untuk Satu Data ({periode})",
    ),
    (
        "diskominfo-sanggau",
        "bapenda-sanggau",
        "data",
        "Realisasi pendapatan daerah untuk portal ({periode})",
    ),
    (
        "bpbd-sanggau",
        "dinsos-p3akb-sanggau",
        "support",
        "Logistik bantuan korban banjir ({periode})",
    ),
    ("bpbd-sanggau", "dinkes-sanggau", "support", "Tenaga kesehatan di posko bencana ({periode})"),
    (
        "bpbd-sanggau",
        "dpupr-sanggau",
        "action",
        "Penanganan darurat jalan putus akibat longsor ({periode})",
    ),
    (
        "dishub-sanggau",
        "bpjn-kalbar",
        "approval",
        "Rekomendasi analisis dampak lalu lintas jalan nasional ({periode})",
    ),
    (
        "dishub-sanggau",
        "dpupr-sanggau",
        "information",
        "Rencana pemeliharaan jalan kabupaten ({periode})",
    ),
    (
        "disperindagkop-um-sanggau",
        "dpmptsp-sanggau",
        "data",
        "Izin usaha mikro yang terbit {periode}",
    ),
    (
        "disperindagkop-um-sanggau",
        "kecamatan-entikong",
        "information",
        "Jumlah pedagang pasar perbatasan ({periode})",
    ),
    (
        "kecamatan-kapuas",
        "disdukcapil-sanggau",
        "support",
        "Layanan perekaman KTP-el di kecamatan ({periode})",
    ),
    ("kecamatan-meliau", "dinkes-sanggau", "support", "Dukungan tenaga bidan desa ({periode})"),
    ("kecamatan-sekayam", "dpupr-sanggau", "action", "Perbaikan jembatan gantung desa ({periode})"),
    (
        "kecamatan-entikong",
        "dpmpd-sanggau",
        "information",
        "Pencairan dana desa tahap II ({periode})",
    ),
    (
        "rsud-sanggau",
        "bpkad-sanggau",
        "support",
        "Pembayaran klaim jaminan kesehatan daerah ({periode})",
    ),
    ("rsud-sanggau", "dinkes-sanggau", "information", "Data rujukan puskesmas ke RSUD ({periode})"),
    (
        "inspektorat-sanggau",
        "dpupr-sanggau",
        "information",
        "Tindak lanjut temuan pemeriksaan ({periode})",
    ),
    ("bkpsdm-sanggau", "dinkes-sanggau", "data", "Formasi tenaga kesehatan PPPK ({periode})"),
    (
        "perumda-air-minum-sanggau",
        "dpupr-sanggau",
        "data",
        "Data jaringan pipa distribusi ({periode})",
    ),
]

# Pairs that are stuck: requests never answered, overdue and escalated. (from, to, kind,
# subject, days ago).
STUCK = [
    (
        "dishub-sanggau",
        "bpjn-kalbar",
        "approval",
        "Izin pemasangan rambu di jalan nasional Entikong",
        95,
    ),
    (
        "dishub-sanggau",
        "bpjn-kalbar",
        "information",
        "Jadwal perbaikan jalan nasional Sanggau–Sekadau",
        70,
    ),
    (
        "dishub-sanggau",
        "bpjn-kalbar",
        "approval",
        "Rekomendasi akses jalan masuk terminal barang",
        48,
    ),
    ("perkimtan-sanggau", "kantah-sanggau", "data", "Peta bidang tanah lokasi rumah susun", 88),
    ("perkimtan-sanggau", "kantah-sanggau", "data", "Daftar bidang PTSL Kecamatan Meliau", 63),
    (
        "perkimtan-sanggau",
        "kantah-sanggau",
        "approval",
        "Pertimbangan teknis pertanahan perumahan MBR",
        41,
    ),
    ("dlh-sanggau", "dpupr-sanggau", "information", "Rencana pengelolaan lumpur IPA", 57),
    ("dlh-sanggau", "dpupr-sanggau", "data", "Data saluran drainase kota untuk kajian banjir", 44),
    ("kecamatan-tayan-hilir", "dpmpd-sanggau", "support", "Pendampingan penyusunan APBDes", 66),
]

# Sent to the wrong agency and forwarded as "bukan wewenang" to the competent one, which
# then answers. (from, first addressee, competent agency, kind, subject, days ago).
FORWARDED = [
    ("kecamatan-meliau", "dinkes-sanggau", "dpmptsp-sanggau", "approval",
     "Izin praktik bidan di desa", 300, "izin praktik diterbitkan DPMPTSP"),
    ("perumda-air-minum-sanggau", "dlh-sanggau", "dpmptsp-sanggau", "approval",
     "Izin pengambilan air baku Sungai Sekayam", 240, "perizinan air baku diproses DPMPTSP"),
    ("kecamatan-sekayam", "dpupr-sanggau", "dpmpd-sanggau", "support",
     "Bantuan perbaikan jalan desa", 200, "jalan desa dibiayai dana desa melalui DPMPD"),
    ("disdikbud-sanggau", "bapenda-sanggau", "bpkad-sanggau", "support",
     "Pengadaan laptop sekolah", 150, "pengelolaan aset dan belanja ada di BPKAD"),
    ("dinsos-p3akb-sanggau", "dinkes-sanggau", "disdukcapil-sanggau", "data",
     "Data penduduk lanjut usia per desa", 110, "data kependudukan ada di Disdukcapil"),
    ("bpbd-sanggau", "diskominfo-sanggau", "setda-sanggau", "action",
     "Pemasangan sirene peringatan dini", 90, "pengadaan sirene dikoordinasikan Setda"),
]  # fmt: skip

MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember")  # fmt: skip


def history_scripts(now: dt.datetime, per_month: int = 5) -> list[Script]:
    """Twelve months of requests before the hand-written ones, drawn with a fixed seed so
    every load (and every test session) gets the same history."""
    rng = random.Random("sinergi-coordination-history")  # noqa: S311 - demo data
    scripts: list[Script] = []
    for month in range(12, 1, -1):  # 12 months ago up to two months ago
        for _ in range(per_month):
            frm, to, kind, subject = rng.choice(HISTORY_TEMPLATES)
            days_ago = month * 30 - rng.randint(0, 29)
            moment = now - dt.timedelta(days=days_ago)
            periode = f"{MONTHS_ID[moment.month - 1]} {moment.year}"
            ack_r, ok_r, late_r, late_share = PROFILES[PROFILE_OF.get(to, "normal")]
            ack = rng.randint(*ack_r)
            answer = rng.randint(*(late_r if rng.random() < late_share else ok_r))
            answer = max(answer, ack + 1)
            close = answer + rng.randint(1, 3) if rng.random() < 0.4 else None
            steps = [
                (ack, "acknowledge", HANDLERS.get(to, ""), {}),
                (
                    answer,
                    "answer",
                    HANDLERS.get(to, ""),
                    {"body": "Data dan penjelasan terlampir."},
                ),
            ]
            if close is not None:
                steps.append((close, "close", HANDLERS.get(frm, ""), {"body": "Terima kasih."}))
            scripts.append(
                Script(days_ago, HANDLERS.get(frm, ""), frm, to, kind,
                       subject.format(periode=periode), steps)
            )  # fmt: skip
    for frm, to, kind, subject, days_ago in STUCK:
        steps = [(3, "acknowledge", HANDLERS.get(to, ""), {})] if days_ago % 2 else []
        scripts.append(Script(days_ago, HANDLERS.get(frm, ""), frm, to, kind, subject, steps))
    for frm, wrong, right, kind, subject, days_ago, why in FORWARDED:
        steps = [
            (2, "forward", HANDLERS.get(wrong, ""),
             {"to_agency": right, "body": f"Bukan wewenang: {why}."}),
            (4, "acknowledge", HANDLERS.get(right, ""), {}),
            (rng.randint(8, 16), "answer", HANDLERS.get(right, ""),
             {"body": "Sudah kami tindak lanjuti."}),
        ]  # fmt: skip
        scripts.append(Script(days_ago, HANDLERS.get(frm, ""), frm, wrong, kind, subject, steps))
    return scripts


def _local(now: dt.datetime, days_ago: float, hour: int) -> dt.datetime:
    day = (now - dt.timedelta(days=days_ago)).astimezone(services.region_tz_default())
    return day.replace(hour=hour, minute=0, second=0, microsecond=0).astimezone(dt.UTC)


def load_demo(*, now: dt.datetime) -> dict[str, int]:
    """Policies, a few dozen requests in every state and two meetings; safe to run again."""
    if Request.objects.filter(body__endswith=MARK).exists():
        return {"requests": 0, "meetings": 0, "escalation_steps": 0}
    users = {u.username: u for u in User.objects.all()}
    for kind in RequestKind.values:
        services.policy_set(
            actor=SYSTEM,
            region="61.03",
            kind=kind,
            remind_days_before=2,
            head_days_after=0,
            sekda_days_after=3,
            bupati_days_after=7,
            sekda_agency="setda-sanggau",
            bupati_agency="pemkab-sanggau",
            now=now,
        )
    plan: list[tuple[dt.datetime, int, Any]] = []
    for i, s in enumerate(history_scripts(now) + SCRIPTS):
        start = _local(now, s.days_ago, 9) + dt.timedelta(minutes=i)
        plan.append((start, i, ("submit", s)))
        for day, action, who, kw in s.steps:
            when = start + dt.timedelta(days=day, hours=1)
            if when < now:
                plan.append((when, i, ("act", action, who, kw)))
    first = min(p[0] for p in plan)
    for d in range((now - first).days + 1):
        tick = first.replace(hour=1, minute=30) + dt.timedelta(days=d)
        if tick < now:
            plan.append((tick, -1, ("tick",)))
    plan.sort(key=lambda p: (p[0], p[1]))
    made: dict[int, Request] = {}
    steps = 0
    for when, i, op in plan:
        if op[0] == "tick":
            steps += services.escalate_due(now=when)["steps"]
        elif op[0] == "submit":
            s = op[1]
            made[i] = services.request_submit(
                actor=users[s.by] if s.by else SYSTEM,
                from_agency=s.frm,
                to_agency=s.to,
                kind=s.kind,
                subject=s.subject,
                body=f"Mohon bantuan: {s.subject.lower()}. {MARK}",
                now=when,
            )
        else:
            _, action, who, kw = op
            kw = dict(kw)
            actor = users[who] if who else SYSTEM
            services.REQUEST_ACTIONS[action](actor=actor, request=made[i], now=when, **kw)
    meetings = _meetings(now, users)
    steps += services.escalate_due(now=now)["steps"]
    return {"requests": len(made), "meetings": meetings, "escalation_steps": steps}


def _meetings(now: dt.datetime, users: dict[str, Any]) -> int:
    ipa_start = _local(now, 20, 9)
    ipa = services.meeting_create(
        actor=users["kabappeda"],
        convening_agency="bappeda-sanggau",
        title="Rakor percepatan IPA Tanjung Sekayam",
        agenda="1. Status lahan\n2. Desain teknis; jadwal lelang\n3. Izin lingkungan",
        starts_at=ipa_start,
        ends_at=ipa_start + dt.timedelta(hours=2),
        place="Ruang Rapat Bappeda, Jl. Jend. Sudirman, Sanggau",
        invited=["dpupr-sanggau", "kantah-sanggau", "perkimtan-sanggau", "dlh-sanggau"],
        now=ipa_start - dt.timedelta(days=7),
    )
    _hold(
        ipa,
        users["kabappeda"],
        ipa_start + dt.timedelta(hours=3),
        attendance=[
            ("bappeda-sanggau", "Kepala Bappeda (demo)", "Pimpinan rapat"),
            ("dpupr-sanggau", "Kepala Bidang Cipta Karya (demo)", ""),
            ("kantah-sanggau", "Analis Pengadaan Tanah (demo)", ""),
        ],
        minutes="Lahan IPA belum bersertipikat; desain teknis selesai 80%.",
        decisions=[
            ("Kantor Pertanahan menyelesaikan pengukuran bidang lahan IPA.", "kantah-sanggau", 10),
            ("Dinas PUPR menyerahkan desain teknis final ke Bappeda.", "dpupr-sanggau", 15),
        ],
    )
    st_start = _local(now, 6, 13)
    stunting = services.meeting_create(
        actor=users["kadinkes"],
        convening_agency="dinkes-sanggau",
        title="Rakor konvergensi penurunan stunting",
        agenda="Evaluasi aksi konvergensi; data lokus desa; air minum dan sanitasi",
        starts_at=st_start,
        ends_at=st_start + dt.timedelta(hours=3),
        place="Aula Dinas Kesehatan, Sanggau",
        invited=["bappeda-sanggau", "dpupr-sanggau", "dpmpd-sanggau", "diskominfo-sanggau"],
        now=st_start - dt.timedelta(days=5),
    )
    _hold(
        stunting,
        users["kadinkes"],
        st_start + dt.timedelta(hours=4),
        attendance=[
            ("dinkes-sanggau", "Kepala Dinas Kesehatan (demo)", "Pimpinan rapat"),
            ("bappeda-sanggau", "Kepala Bappeda (demo)", ""),
            ("diskominfo-sanggau", "Walidata Diskominfo (demo)", ""),
        ],
        minutes="Prevalensi turun; 12 desa lokus belum punya akses air minum layak.",
        decisions=[
            ("Dinas PUPR memetakan akses air minum di 12 desa lokus.", "dpupr-sanggau", 10),
            ("Diskominfo menerbitkan dasbor data stunting per desa.", "diskominfo-sanggau", 8),
        ],
    )
    return Meeting.objects.count()


def _hold(
    meeting: Meeting,
    actor: Any,
    when: dt.datetime,
    *,
    attendance: list[tuple[str, str, str]],
    minutes: str,
    decisions: list[tuple[str, str, int]],
) -> None:
    for agency, name, position in attendance:
        services.attendance_add(
            actor=actor, meeting=meeting, agency=agency, name=name, position=position, now=when
        )
    services.meeting_update(actor=actor, meeting=meeting, minutes=minutes, status="held", now=when)
    from .calendars import calendar_for, region_tz

    for text, owner, days in decisions:
        decision = services.decision_add(actor=actor, meeting=meeting, text=text, now=when)
        local = when.astimezone(region_tz(meeting.region)).date()
        due = calendar_for(meeting.convening_agency, local).date_at(local, days)
        services.action_item_add(
            actor=actor,
            meeting=meeting,
            decision=decision,
            owner=owner,
            subject=text,
            body=f"Tindak lanjut keputusan {decision.number}. {MARK}",
            due_date=due,
            now=when,
        )
