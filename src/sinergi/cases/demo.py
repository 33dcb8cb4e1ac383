"""Demo citizen services for Kabupaten Sanggau: five service standards at the Mal Pelayanan
Publik (DPMPTSP) and about sixty cases in every state, replayed through the services at
past moments so every clock, request and audit entry is what the rules produce."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sinergi.accounts.models import User
from sinergi.agencies.models import Agency, Membership
from sinergi.core.permissions import SYSTEM

from . import complaints, services
from .models import Case, Service
from .notify import quiet
from .services import Standard, Upload

PDF = b"%PDF-1.4\n% dokumen demo Sinergi\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FRONT = "dpmptsp-sanggau"
LEGAL_COMMON = (
    "UU 25/2009 tentang Pelayanan Publik; PermenPANRB 15/2014 tentang Pedoman Standar "
    "Pelayanan; Perpres 89/2021 tentang Penyelenggaraan Mal Pelayanan Publik"
)
COMPLAINT = "Loket pengaduan MPP Sanggau, SP4N-LAPOR! (lapor.go.id), WhatsApp 0812-0000-0000"

DEMO_OFFICERS = (
    # username, full name, agency, role, position
    ("mpp", "Petugas Loket MPP (demo)", FRONT, "manager", "Kepala Seksi Pelayanan MPP"),
    (
        "dlh",
        "Staf Dinas Lingkungan Hidup (demo)",
        "dlh-sanggau",
        "staff",
        "Penelaah Dokumen Lingkungan",
    ),
)


def _req(code: str, label: str, kind: str = "document", required: bool = True) -> dict[str, Any]:
    return {"code": code, "label": label, "kind": kind, "required": required}


SERVICES: list[tuple[str, Standard]] = [
    (
        "akta-kelahiran",
        Standard(
            name="Akta Kelahiran",
            description="Pencatatan kelahiran dan penerbitan akta kelahiran, KK baru dan KIA.",
            requirements=[
                _req("nama_anak", "Nama anak", "field"),
                _req("tanggal_lahir", "Tanggal lahir anak", "field"),
                _req("surat_lahir", "Surat keterangan lahir dari bidan/rumah sakit"),
                _req("kk", "Kartu Keluarga"),
                _req("buku_nikah", "Buku nikah/akta perkawinan orang tua", required=False),
            ],
            steps=[
                {
                    "group": 1,
                    "agency": "disdukcapil-sanggau",
                    "days": 3,
                    "title": "Pencatatan kelahiran, akta, KK dan KIA",
                    "documents": ["surat_lahir", "kk", "buku_nikah"],
                },
            ],
            verify_days=1,
            issue_days=1,
            fee="Gratis (Rp 0)",
            product="Akta kelahiran, Kartu Keluarga baru dan Kartu Identitas Anak",
            complaint_channel=COMPLAINT,
            legal_basis="UU 24/2013 tentang Administrasi Kependudukan; " + LEGAL_COMMON,
            retention_days=365,
        ),
    ),
    (
        "pbg",
        Standard(
            name="Persetujuan Bangunan Gedung (PBG)",
            description="Persetujuan membangun baru, mengubah atau merawat bangunan gedung.",
            requirements=[
                _req("lokasi", "Alamat lokasi bangunan", "field"),
                _req("fungsi", "Fungsi bangunan (hunian, usaha, ...)", "field"),
                _req("bukti_tanah", "Bukti kepemilikan/penguasaan tanah"),
                _req("gambar", "Gambar rencana teknis (arsitektur, struktur, utilitas)"),
                _req("sppl", "SPPL atau dokumen UKL-UPL"),
            ],
            steps=[
                {
                    "group": 1,
                    "agency": "dpupr-sanggau",
                    "days": 10,
                    "title": "Penilaian teknis oleh Tim Profesi Ahli",
                    "documents": ["bukti_tanah", "gambar"],
                },
                {
                    "group": 1,
                    "agency": "dlh-sanggau",
                    "days": 7,
                    "title": "Persetujuan lingkungan",
                    "documents": ["sppl"],
                },
            ],
            verify_days=2,
            issue_days=2,
            fee="Retribusi PBG sesuai Perda (dihitung DPUPR)",
            product="Persetujuan Bangunan Gedung (PBG)",
            complaint_channel=COMPLAINT,
            legal_basis="PP 16/2021 tentang Bangunan Gedung; " + LEGAL_COMMON,
            retention_days=730,
        ),
    ),
    (
        "sertifikat-tanah",
        Standard(
            name="Pendaftaran Tanah Pertama Kali (Sertifikat)",
            description="Surat keterangan riwayat tanah dari kecamatan, lalu pengukuran dan "
            "penerbitan sertifikat oleh Kantor Pertanahan.",
            requirements=[
                _req("letak", "Letak tanah (desa, kecamatan)", "field"),
                _req("luas", "Perkiraan luas (m²)", "field"),
                _req("alas_hak", "Alas hak (SKT/surat keterangan tanah)"),
                _req("pbb", "SPPT PBB tahun berjalan"),
            ],
            steps=[
                {
                    "group": 1,
                    "agency": "kecamatan-kapuas",
                    "days": 5,
                    "title": "Surat keterangan riwayat tanah",
                    "documents": ["alas_hak"],
                },
                {
                    "group": 2,
                    "agency": "kantah-sanggau",
                    "days": 30,
                    "title": "Pengukuran dan penerbitan sertifikat",
                    "documents": ["alas_hak", "pbb"],
                },
            ],
            verify_days=1,
            issue_days=2,
            fee="Sesuai PP 128/2015 (PNBP Kementerian ATR/BPN)",
            product="Sertifikat hak atas tanah",
            complaint_channel=COMPLAINT,
            legal_basis="PP 18/2021; PP 24/1997 tentang Pendaftaran Tanah; " + LEGAL_COMMON,
            retention_days=1825,
        ),
    ),
    (
        "izin-usaha-mikro",
        Standard(
            name="Izin Usaha Mikro",
            description="Nomor Induk Berusaha dan izin usaha mikro dengan pendampingan.",
            requirements=[
                _req("nama_usaha", "Nama usaha", "field"),
                _req("bidang", "Bidang usaha", "field"),
                _req("foto_usaha", "Foto tempat usaha"),
            ],
            steps=[
                {
                    "group": 1,
                    "agency": "disperindagkop-um-sanggau",
                    "days": 3,
                    "title": "Verifikasi usaha mikro",
                    "documents": ["foto_usaha"],
                },
            ],
            verify_days=1,
            issue_days=1,
            fee="Gratis (Rp 0)",
            product="Nomor Induk Berusaha (NIB) dan Izin Usaha Mikro",
            complaint_channel=COMPLAINT,
            legal_basis="PP 7/2021 tentang Kemudahan UMKM; " + LEGAL_COMMON,
            retention_days=365,
        ),
    ),
    (
        "santunan-kematian",
        Standard(
            name="Santunan Kematian",
            description="Akta kematian dan santunan bagi ahli waris warga kurang mampu.",
            requirements=[
                _req("nama_almarhum", "Nama almarhum/almarhumah", "field"),
                _req("tanggal_wafat", "Tanggal wafat", "field"),
                _req("surat_kematian", "Surat keterangan kematian dari desa/rumah sakit"),
                _req("kk", "Kartu Keluarga"),
            ],
            steps=[
                {
                    "group": 1,
                    "agency": "disdukcapil-sanggau",
                    "days": 3,
                    "title": "Penerbitan akta kematian",
                    "documents": ["surat_kematian", "kk"],
                },
                {
                    "group": 2,
                    "agency": "dinsos-p3akb-sanggau",
                    "days": 7,
                    "title": "Verifikasi ahli waris dan pencairan santunan",
                    "documents": ["surat_kematian", "kk"],
                },
            ],
            verify_days=1,
            issue_days=1,
            fee="Gratis (Rp 0)",
            product="Akta kematian dan santunan kematian",
            complaint_channel=COMPLAINT,
            legal_basis="UU 24/2013; Perbup Sanggau tentang Santunan Kematian; " + LEGAL_COMMON,
            retention_days=365,
        ),
    ),
]

FIRST = [
    "Agus",
    "Siti",
    "Yohanes",
    "Maria",
    "Dedi",
    "Rina",
    "Antonius",
    "Nur",
    "Hendra",
    "Lusia",
    "Bambang",
    "Fransiska",
    "Rudi",
    "Dewi",
    "Paulus",
    "Yuliana",
]
LAST = ["Saputra", "Wulandari", "Nyarong", "Lestari", "Kurniawan", "Sari", "Ason", "Hidayat"]

#: (service, state, how many); states: verification, in_process, late, waiting, issuing,
#: finished, finished_late, rejected.
PLAN = [
    ("pbg", "verification", 2),
    ("pbg", "in_process", 3),
    ("pbg", "late", 2),
    ("pbg", "waiting", 1),
    ("pbg", "issuing", 1),
    ("pbg", "finished", 6),
    ("pbg", "finished_late", 1),
    ("pbg", "rejected", 1),
    ("akta-kelahiran", "verification", 1),
    ("akta-kelahiran", "in_process", 2),
    ("akta-kelahiran", "waiting", 1),
    ("akta-kelahiran", "issuing", 1),
    ("akta-kelahiran", "finished", 8),
    ("akta-kelahiran", "finished_late", 1),
    ("sertifikat-tanah", "verification", 1),
    ("sertifikat-tanah", "in_process", 2),
    ("sertifikat-tanah", "late", 1),
    ("sertifikat-tanah", "waiting", 1),
    ("sertifikat-tanah", "finished", 2),
    ("sertifikat-tanah", "rejected", 1),
    ("izin-usaha-mikro", "verification", 1),
    ("izin-usaha-mikro", "in_process", 2),
    ("izin-usaha-mikro", "issuing", 1),
    ("izin-usaha-mikro", "finished", 5),
    ("izin-usaha-mikro", "rejected", 1),
    ("santunan-kematian", "verification", 1),
    ("santunan-kematian", "in_process", 2),
    ("santunan-kematian", "late", 1),
    ("santunan-kematian", "waiting", 1),
    ("santunan-kematian", "finished", 4),
    ("santunan-kematian", "issuing", 1),
    ("santunan-kematian", "finished_late", 1),
]


def _officers(now: dt.datetime) -> dict[str, Any]:
    from sinergi.accounts.services import user_create
    from sinergi.agencies.services import membership_add
    from sinergi.demo import DEMO_PASSWORD

    users = {}
    for username, full_name, slug, role, title in DEMO_OFFICERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                actor=SYSTEM,
                username=username,
                password=DEMO_PASSWORD,
                full_name=full_name,
                email=f"{username}@demo.sinergi.invalid",
                now=now,
            )
        agency = Agency.objects.get(slug=slug)
        if not Membership.objects.filter(user=user, agency=agency).exists():
            membership_add(
                actor=SYSTEM, agency=agency, user=user, role=role, position_title=title, now=now
            )
        users[username] = user
    return users


def _nik(rng: random.Random, woman: bool) -> str:
    district = rng.choice(["610301", "610307", "610311", "610320", "610321"])
    day = rng.randint(1, 28) + (40 if woman else 0)
    return f"{district}{day:02d}{rng.randint(1, 12):02d}{rng.randint(60, 99):02d}" + (
        f"{rng.randint(1, 9999):04d}"
    )


def _fields(version: Any, rng: random.Random) -> dict[str, str]:
    values = {
        "nama_anak": "Bayi " + rng.choice(FIRST),
        "tanggal_lahir": "2026-09-14",
        "lokasi": f"Jl. Jenderal Sudirman No. {rng.randint(1, 200)}, Sanggau",
        "fungsi": rng.choice(["Hunian", "Usaha", "Hunian dan usaha"]),
        "letak": "Desa Penyeladi, Kecamatan Kapuas",
        "luas": str(rng.randint(150, 2000)),
        "nama_usaha": rng.choice(["Kue Basah Bu Rina", "Bengkel Jaya", "Kopi Tepian Kapuas"]),
        "bidang": rng.choice(["Kuliner", "Perbengkelan", "Kerajinan"]),
        "nama_almarhum": rng.choice(FIRST) + " " + rng.choice(LAST),
        "tanggal_wafat": "2026-08-01",
    }
    return {f["code"]: values.get(f["code"], "-") for f in version.fields()}


def load_demo(*, now: dt.datetime) -> dict[str, Any]:
    """Load the five services and the demo cases once; a second load changes nothing."""
    if Service.objects.filter(slug="pbg").exists():
        return {"services": 0, "cases": 0}
    officers = _officers(now)
    made = {}
    for slug, standard in SERVICES:
        made[slug] = services.service_save(
            actor=SYSTEM,
            standard=standard,
            slug=slug,
            front_agency=FRONT,
            now=now - dt.timedelta(days=120),
        )
    rng = random.Random(15)  # noqa: S311 - demo data, not security
    count = 0
    with quiet():
        for slug, state, n in PLAN:
            for _i in range(n):
                _play(made[slug], state, rng, now, officers)
                count += 1
    return {"services": len(made), "cases": count}


def _at(base: dt.datetime, days: float) -> dt.datetime:
    return base + dt.timedelta(days=days)


def _play(
    service: Service, state: str, rng: random.Random, now: dt.datetime, officers: dict[str, Any]
) -> Case:
    version = service.current
    if version is None:
        raise ValueError(f"service {service.slug} has no standard")
    # How long ago it was filed: recent for early states, long ago for late or finished ones.
    ago = {
        "verification": rng.uniform(0.2, 1.5),
        "in_process": rng.uniform(2, 5),
        "late": version.total_days * 2.2 + rng.uniform(1, 5),
        "waiting": rng.uniform(3, 6),
        "issuing": version.total_days * 1.1 + 1,
        "rejected": rng.uniform(3, 40),
        "finished": version.total_days * 1.4 + rng.uniform(3, 60),
        "finished_late": version.total_days * 2.5 + rng.uniform(3, 30),
    }[state]
    filed = now - dt.timedelta(days=ago)
    woman = rng.random() < 0.5
    counter = rng.random() < 0.3
    case = services.case_file(
        actor=officers["mpp"] if counter else SYSTEM,
        service=service,
        applicant_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        nik=_nik(rng, woman),
        phone=f"08{rng.choice('125')}{rng.randint(10_000_000, 99_999_999)}",
        data=_fields(version, rng),
        uploads=[
            Upload(d["code"], f"{d['code']}.pdf", PDF)
            for d in version.documents()
            if d.get("required", True)
        ],
        channel="counter" if counter else "web",
        now=filed,
    )
    if state == "verification":
        return case
    mpp = officers["mpp"]
    t = _at(filed, rng.uniform(0.1, 0.9))
    if state == "rejected" and rng.random() < 0.5:
        return services.case_reject(
            actor=mpp,
            case=case,
            reason="Dokumen alas hak tidak terbaca; silakan ajukan ulang.",
            now=t,
        )
    services.case_verify(actor=mpp, case=case, now=t)
    slow = state in ("finished_late", "late")
    groups = version.groups()
    for index, _group in enumerate(groups):
        case.refresh_from_db()
        steps = list(case.steps.filter(status="active"))
        if state in ("in_process", "late") and (index == len(groups) - 1 or rng.random() < 0.5):
            if state == "late":
                complaint = complaints.complaint_file(
                    case=case,
                    body="Sudah lewat jangka waktu standar, belum ada kabar.",
                    lapor_ref=f"LAPOR-{rng.randint(1000000, 9999999)}"
                    if rng.random() < 0.5
                    else "",
                    now=now - dt.timedelta(days=3),
                )
                if rng.random() < 0.5:
                    complaints.complaint_answer(
                        actor=SYSTEM,
                        complaint=complaint,
                        now=now - dt.timedelta(days=1),
                        body="Mohon maaf, penilaian teknis sedang diselesaikan minggu ini.",
                    )
            return case
        if state == "waiting":
            services.step_act(
                actor=SYSTEM,
                step=steps[0],
                action="clarify",
                body="Mohon unggah dokumen yang lebih jelas (hasil pindai berwarna).",
                now=_at(t, 1),
            )
            return case
        if state == "rejected":
            services.step_act(
                actor=SYSTEM,
                step=steps[0],
                action="decline",
                body="Lokasi berada di kawasan lindung menurut RTRW.",
                now=_at(t, 2),
            )
            return case
        last = t
        for step in steps:
            pace = rng.uniform(1.6, 2.4) if slow else rng.uniform(0.5, 1.3)
            when = min(_at(t, step.days * pace), now - dt.timedelta(hours=2))
            services.step_act(
                actor=SYSTEM,
                step=step,
                action="answer",
                body="Memenuhi syarat; rekomendasi terlampir.",
                now=when,
            )
            last = max(last, when)
        t = last
    if state == "issuing":
        return case
    issued = min(_at(t, rng.uniform(0.5, 1.5)), now - dt.timedelta(minutes=30))
    case = services.case_issue(
        actor=mpp, case=case, upload=Upload("produk", "produk.pdf", PDF), now=issued
    )
    if rng.random() < 0.7:
        scores = [max(1, min(4, round(rng.gauss(3.3 if not slow else 2.6, 0.6)))) for _ in range(9)]
        services.case_rate(
            case=case,
            scores=scores,
            now=_at(issued, 0.01),
            comment=rng.choice(["", "Pelayanan cepat.", "Antrean agak lama."]),
        )
    return case
