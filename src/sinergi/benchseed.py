"""Generated data at kabupaten or national scale for the page benchmarks (``sinergi bench
seed``): bulk-loaded, bypassing the services on purpose (see
docs/decisions/bench-seed-bulk-load.md). A benchmark fixture, never for a production
database: it refuses a database that already holds agencies, users or requests."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction

from sinergi.accounts.models import User
from sinergi.agencies.models import Agency, Membership
from sinergi.agencies.services import reference_load
from sinergi.blood.models import Movement, Product, Stock, UnitProfile
from sinergi.catalog.models import Dataset
from sinergi.coordination.models import Request, RequestEvent
from sinergi.core.audit import audit_record
from sinergi.core.bulk import BulkWriter
from sinergi.core.permissions import SYSTEM
from sinergi.programs.models import Dependency, Partnership, Program, WorkItem
from sinergi.regions.models import Region
from sinergi.regions.services import reference_rows, regions_load

BENCH_PASSWORD = "bench-sinergi-2026"  # noqa: S105 - benchmark logins on a throwaway database
GANTT_CODE = "BENCH-GANTT"
# The representative logins bench/pages.py signs in as (all in the first kabupaten).
BENCH_USERS = {
    "bench-bupati": "the Bupati (head of the regency government)",
    "bench-kadinkes": "an agency head (Dinas Kesehatan)",
    "bench-pmi": "staff of the PMI blood unit",
    "bench-walidata": "the walidata (Diskominfo)",
    "bench-admin": "the platform administrator (sees every row of the country)",
}
FIRST_KAB = "61.03"  # Kabupaten Sanggau, the demo's kabupaten
BLOOD_GROUPS = [(a, r) for a in ("O", "A", "B", "AB") for r in ("pos", "neg")]


@dataclass(frozen=True)
class Scale:
    """How many rows of each kind one run generates."""

    name: str
    agencies: int
    users: int
    programs: int
    work_items: int
    dependencies: int
    requests: int
    datasets: int
    blood_units: int
    blood_days: int
    gantt_items: int


NATIONAL = Scale(
    name="national",
    agencies=20_000,
    users=200_000,
    programs=50_000,
    work_items=2_000_000,
    dependencies=3_000_000,
    requests=1_000_000,
    datasets=100_000,
    blood_units=500,
    blood_days=730,
    gantt_items=2_000,
)
SCALES = {
    "national": NATIONAL,
    # 1/500 of national: one kabupaten, one blood unit (still two years of ledger) and the
    # 2,000-item programme the Gantt page is measured on.
    "kabupaten": replace(
        NATIONAL,
        name="kabupaten",
        agencies=40,
        users=400,
        programs=100,
        work_items=4_000,
        dependencies=6_000,
        requests=2_000,
        datasets=200,
        blood_units=1,
    ),
    # For the tests: every kind of row, a few of each, in well under a second.
    "tiny": Scale(
        name="tiny",
        agencies=10,
        users=20,
        programs=4,
        work_items=40,
        dependencies=50,
        requests=30,
        datasets=6,
        blood_units=1,
        blood_days=20,
        gantt_items=20,
    ),
}


class NotEmpty(Exception):
    """The database already holds data; seeding is refused without ``force``."""


# --- writing rows -----------------------------------------------------------------------


# --- the generator ----------------------------------------------------------------------


@dataclass
class Kab:
    """One generated kabupaten/kota: its region and the ids of its agencies and users."""

    index: int
    code: str
    region_id: int
    agencies: list[int]
    pemkab: int = 0
    dinkes: int = 0
    diskominfo: int = 0
    rsud: int = 0
    udd: int | None = None
    heads: dict[int, int] | None = None  # agency id -> user id of its head
    staff: dict[int, list[int]] | None = None  # agency id -> user ids


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _next_id(model: type[models.Model]) -> int:
    top = model._default_manager.aggregate(m=models.Max("pk"))["m"]
    return int(top or 0) + 1


class Generator:
    """Builds and writes every kind of row for one scale, deterministically from a seed."""

    def __init__(
        self, scale: Scale, *, seed: int, now: dt.datetime, log: Callable[[str], None]
    ) -> None:
        self.scale = scale
        self.seed = seed
        self.now = now.astimezone(dt.UTC).replace(microsecond=0)
        self.today = self.now.date()
        self.log = log
        self.w = BulkWriter()
        self.kabs: list[Kab] = []

    def rng(self, part: str) -> random.Random:
        """An RNG per section, so that sections do not shift each other's draws."""
        return random.Random(f"{self.seed}:{part}")  # noqa: S311 - test data, not secrets

    def step(self, what: str, fn: Callable[[], int]) -> None:
        t0 = time.perf_counter()
        n = fn()
        self.log(f"  {what:<28} {n:>10,} rows  {time.perf_counter() - t0:6.1f} s")

    def run(self) -> dict[str, int]:
        """Generate and write everything; returns the row counts per table."""
        self.step("agencies", self.agencies)
        self.step("users and memberships", self.users)
        self.step("programmes", self.programs)
        self.step("requests and events", self.requests)
        self.step("datasets", self.datasets)
        self.step("blood units and ledger", self.blood)
        return dict(self.w.counts)

    # agencies ---------------------------------------------------------------------------

    def agencies(self) -> int:
        s = self.scale
        regions = dict(
            Region.objects.filter(level__in=["regency", "city"]).values_list("code", "id")
        )
        codes = sorted(regions)
        if FIRST_KAB in codes:
            codes.remove(FIRST_KAB)
            codes.insert(0, FIRST_KAB)
        n_kabs = max(1, min(len(codes), round(len(codes) * s.agencies / NATIONAL.agencies)))
        names = dict(Region.objects.filter(code__in=codes[:n_kabs]).values_list("code", "name"))
        sizes = _split(s.agencies, n_kabs)
        next_id = _next_id(Agency)
        now = self.w.ts(self.now)
        rows = []
        opd_names = [
            "Dinas Pendidikan", "Dinas Sosial", "Dinas Perhubungan", "Dinas Pertanian",
            "Dinas Lingkungan Hidup", "Dinas Kependudukan dan Pencatatan Sipil",
            "Dinas Pemberdayaan Masyarakat dan Desa", "Dinas Pariwisata", "Dinas Perikanan",
            "Dinas Perindustrian dan Perdagangan", "Dinas Koperasi dan UKM",
            "Dinas Tenaga Kerja", "Dinas Perumahan dan Permukiman", "Badan Keuangan Daerah",
            "Badan Kepegawaian Daerah", "Inspektorat", "Satpol PP", "BPBD", "Kecamatan",
            "Puskesmas", "UPT Pendidikan",
        ]  # fmt: skip
        for i, code in enumerate(codes[:n_kabs]):
            region_id = regions[code]
            kab_name = names[code].replace("Kabupaten ", "").replace("Kota ", "")
            key = code.replace(".", "")
            ids = list(range(next_id, next_id + sizes[i]))
            next_id += sizes[i]
            kab = Kab(index=i, code=code, region_id=region_id, agencies=ids)
            has_udd = i < s.blood_units
            fixed = [
                ("pemkab", f"Pemerintah {names[code]}", "regency_government", None),
                ("setda", f"Sekretariat Daerah {kab_name}", "opd", ids[0]),
                ("bappeda", f"Bappeda {kab_name}", "opd", ids[0]),
                ("dinkes", f"Dinas Kesehatan {kab_name}", "opd", ids[0]),
                ("diskominfo", f"Dinas Komunikasi dan Informatika {kab_name}", "opd", ids[0]),
                ("rsud", f"RSUD {kab_name}", "hospital", None),
            ]
            if has_udd:
                fixed.append(("udd-pmi", f"UDD PMI {kab_name}", "blood_unit", None))
            for j, pk in enumerate(ids):
                if j < len(fixed):
                    slug, name, kind, parent = fixed[j]
                else:
                    k = j - len(fixed)
                    slug = f"opd{k + 1}"
                    name = f"{opd_names[k % len(opd_names)]} {k // len(opd_names) + 1} {kab_name}"
                    kind, parent = "opd", ids[0]
                rows.append(
                    (pk, f"{slug}-{key}", name[:200], kind, parent, region_id, now, now,
                     f"Tugas dan fungsi {name}"[:500], True)
                )  # fmt: skip
            kab.pemkab, kab.dinkes, kab.diskominfo, kab.rsud = ids[0], ids[3], ids[4], ids[5]
            kab.udd = ids[6] if has_udd else None
            self.kabs.append(kab)
        # Parents first: the regency government heads the rows of its kabupaten.
        rows.sort(key=lambda r: r[4] is not None)
        return self.w.write(
            Agency,
            ["id", "slug", "name", "kind", "parent_id", "region_id", "created_at", "updated_at",
             "mandate", "is_active"],
            rows,
        )  # fmt: skip

    # users ------------------------------------------------------------------------------

    def users(self) -> int:
        s = self.scale
        rnd = self.rng("users")
        password = make_password(BENCH_PASSWORD)
        unusable = "!" + "bench"
        next_id = _next_id(User)
        next_m = _next_id(Membership)
        taken = set(
            User.objects.filter(username__in=BENCH_USERS).values_list("username", flat=True)
        )
        now = self.w.ts(self.now)
        users: list[tuple[Any, ...]] = []
        members: list[tuple[Any, ...]] = []
        per_kab = _split(s.users, len(self.kabs))
        for kab, count in zip(self.kabs, per_kab, strict=True):
            kab.heads, kab.staff = {}, {a: [] for a in kab.agencies}
            named = {}
            if kab.index == 0:
                named = {kab.pemkab: "bench-bupati", kab.dinkes: "bench-kadinkes"}
                if kab.udd:
                    named[kab.udd] = "bench-pmi"
            for j in range(count):
                uid = next_id
                next_id += 1
                if j < len(kab.agencies):
                    agency, role = kab.agencies[j], "head"
                    kab.heads[agency] = uid
                else:
                    agency = kab.agencies[rnd.randrange(len(kab.agencies))]
                    role = "manager" if rnd.random() < 0.1 else "staff"
                    kab.staff[agency].append(uid)
                username = f"u{uid}"
                pw = unusable
                if role == "head" and named.get(agency) and named[agency] not in taken:
                    username, pw = named[agency], password
                elif kab.index == 0 and agency == kab.diskominfo and "bench-walidata" not in taken:
                    username, pw = "bench-walidata", password
                    taken.add(username)
                full = f"Pengguna {uid}"
                users.append((uid, pw, username, f"{username}@bench.sinergi.invalid", now, full,
                               True, False))  # fmt: skip
                members.append((next_m, uid, agency, role, "Kepala" if role == "head" else "Staf",
                                True, now, now))  # fmt: skip
                next_m += 1
        if "bench-admin" not in taken:
            users.append((next_id, password, "bench-admin", "bench-admin@bench.sinergi.invalid",
                          now, "Administrator (bench)", True, True))  # fmt: skip
        n = self.w.write(
            User,
            ["id", "password", "username", "email", "date_joined", "full_name", "is_active",
             "is_superuser"],
            users,
        )  # fmt: skip
        n += self.w.write(
            Membership,
            ["id", "user_id", "agency_id", "role", "position_title", "is_primary",
             "created_at", "updated_at"],
            members,
        )  # fmt: skip
        return n

    # programmes -------------------------------------------------------------------------

    def programs(self) -> int:
        s = self.scale
        rnd = self.rng("programs")
        next_p, next_w, next_d, next_pa = (
            _next_id(Program), _next_id(WorkItem), _next_id(Dependency), _next_id(Partnership)
        )  # fmt: skip
        now = self.w.ts(self.now)
        start = self.today - dt.timedelta(days=180)
        # The Gantt programme takes its 2,000 items; the others share the rest evenly.
        others = max(s.programs - 1, 1)
        items = [s.gantt_items, *_split(max(s.work_items - s.gantt_items, others), others)]
        ratio = s.dependencies / s.work_items
        per_kab = _split(s.programs, len(self.kabs))
        programs, partners, work, deps = [], [], [], []
        k = 0
        for kab, count in zip(self.kabs, per_kab, strict=True):
            opds = kab.agencies[1:]
            for _ in range(count):
                pid = next_p
                next_p += 1
                coord = kab.dinkes if k == 0 else opds[rnd.randrange(len(opds))]
                others_ag = [a for a in rnd.sample(opds, min(3, len(opds))) if a != coord][:2]
                code = GANTT_CODE if k == 0 else f"P{kab.code.replace('.', '')}-{pid}"
                visibility = "public" if k == 0 or rnd.random() < 0.3 else "internal"
                stamp = hashlib.md5(f"{self.seed}{pid}".encode(), usedforsecurity=False).hexdigest()
                programs.append((pid, code, f"Program {pid} {kab.code}", kab.region_id, coord,
                                 "active", visibility,
                                 (start + dt.timedelta(days=rnd.randrange(90))).isoformat(),
                                 "0", stamp, now, now))  # fmt: skip
                for a in others_ag:
                    partners.append((next_pa, pid, a, "multi_sectoral", "Mitra", now))
                    next_pa += 1
                owners = [coord, *others_ag]
                n = items[k] if k < len(items) else 1
                first = next_w
                for i in range(n):
                    pct = rnd.choice((0, 0, 0, 25, 50, 100))
                    status = (
                        "not_started" if pct == 0 else "completed" if pct == 100 else "in_progress"
                    )
                    wbs = f"{i // 20 + 1}.{i % 20 + 1}"
                    owner = owners[i % len(owners)]
                    work.append(
                        (
                            next_w,
                            pid,
                            wbs,
                            f"Kegiatan {i + 1}",
                            owner,
                            rnd.randint(1, 15),
                            pct,
                            status,
                        )
                    )
                    next_w += 1
                want = min(round(n * ratio), n * (n - 1) // 2)
                seen: set[tuple[int, int]] = set()
                while len(seen) < want:
                    j = rnd.randrange(1, n)
                    i = rnd.randrange(max(0, j - 12), j)
                    if (i, j) in seen:
                        continue
                    seen.add((i, j))
                    deps.append((next_d, pid, first + i, first + j))
                    next_d += 1
                k += 1
            if len(work) > 200_000:
                self._flush_programs(programs, partners, work, deps)
        return self._flush_programs(programs, partners, work, deps)

    def _flush_programs(
        self, programs: list[Any], partners: list[Any], work: list[Any], deps: list[Any]
    ) -> int:
        n = self.w.write(
            Program,
            ["id", "code", "title", "region_id", "coordinator_id", "status", "visibility",
             "planned_start", "budget", "plan_stamp", "created_at", "updated_at"],
            programs,
        )  # fmt: skip
        n += self.w.write(
            Partnership, ["id", "program_id", "agency_id", "mode", "role", "joined_at"], partners
        )
        n += self.w.write(
            WorkItem,
            ["id", "program_id", "wbs", "title", "owner_id", "duration", "percent_complete",
             "status"],
            work,
        )  # fmt: skip
        n += self.w.write(Dependency, ["id", "program_id", "predecessor_id", "successor_id"], deps)
        for rows in (programs, partners, work, deps):
            rows.clear()
        return sum(
            self.w.counts.get(m._meta.db_table, 0)
            for m in (Program, Partnership, WorkItem, Dependency)
        )

    # requests ---------------------------------------------------------------------------

    def requests(self) -> int:
        s = self.scale
        rnd = self.rng("requests")
        next_r, next_e = _next_id(Request), _next_id(RequestEvent)
        ts = self.w.ts
        span = 730 * 86400
        kinds = ["information", "data", "support", "approval", "action"]
        reqs: list[Any] = []
        events: list[Any] = []
        total = 0
        for kab, count in zip(self.kabs, _split(s.requests, len(self.kabs)), strict=True):
            ag = kab.agencies
            heads = kab.heads or {}
            for _ in range(count):
                rid = next_r
                next_r += 1
                a, b = rnd.sample(ag, 2)
                submitted = self.now - dt.timedelta(seconds=rnd.randrange(span))
                sla = rnd.choice((5, 7, 10, 14))
                due = submitted + dt.timedelta(days=sla * 7 // 5 + 1)
                due_at = due.replace(hour=9, minute=0, second=0)
                age = (self.now - submitted).days
                roll = rnd.random()
                if age < 30 and roll < 0.7:
                    status = rnd.choice(("submitted", "acknowledged", "in_progress"))
                elif roll < 0.05:
                    status = "in_progress"
                elif roll < 0.25:
                    status = "answered"
                else:
                    status = "closed"
                ack = submitted + dt.timedelta(hours=rnd.randint(1, 48))
                answered = submitted + dt.timedelta(hours=rnd.randint(24, 24 * 20))
                closed = answered + dt.timedelta(hours=rnd.randint(1, 72))
                has_ack = status != "submitted"
                has_ans = status in ("answered", "closed")
                by_a, by_b = heads[a], heads[b]
                reqs.append((
                    rid, kab.region_id, a, b, kinds[rid % 5], "normal",
                    f"Permintaan {rid}: data dan dukungan kegiatan",
                    "Mohon bantuan untuk kegiatan bersama sesuai rapat koordinasi.",
                    status, sla, ts(submitted), due.date().isoformat(), ts(due_at),
                    ts(submitted), ts(ack) if has_ack else None,
                    ts(answered) if has_ans else None,
                    ts(closed) if status == "closed" else None, by_a,
                    ts(submitted), ts(closed if status == "closed" else answered if has_ans
                                      else submitted),
                ))  # fmt: skip
                events.append((next_e, rid, ts(submitted), "submitted", by_a, "Kepala", a, ""))
                next_e += 1
                if has_ack:
                    events.append((next_e, rid, ts(ack), "acknowledged", by_b, "Kepala", b, ""))
                    next_e += 1
                if has_ans:
                    events.append((next_e, rid, ts(answered), "answered", by_b, "Kepala", b,
                                   "Data terlampir; silakan dicek."))  # fmt: skip
                    next_e += 1
                if status == "closed":
                    events.append((next_e, rid, ts(closed), "closed", by_a, "Kepala", a, ""))
                    next_e += 1
                if len(events) >= 300_000:
                    total += self._flush_requests(reqs, events)
        return total + self._flush_requests(reqs, events)

    def _flush_requests(self, reqs: list[Any], events: list[Any]) -> int:
        n = self.w.write(
            Request,
            ["id", "region_id", "from_agency_id", "to_agency_id", "kind", "priority", "subject",
             "body", "status", "sla_days", "clock_started_at", "due_date", "due_at",
             "submitted_at", "acknowledged_at", "answered_at", "closed_at", "created_by_id",
             "created_at", "updated_at"],
            reqs,
        )  # fmt: skip
        n += self.w.write(
            RequestEvent,
            ["id", "request_id", "at", "kind", "actor_id", "actor_name", "agency_id", "body"],
            events,
        )
        reqs.clear()
        events.clear()
        return n

    # datasets ---------------------------------------------------------------------------

    def datasets(self) -> int:
        s = self.scale
        rnd = self.rng("datasets")
        next_id = _next_id(Dataset)
        now = self.w.ts(self.now)
        themes = [
            "Jumlah penduduk", "Angka stunting", "Panjang jalan", "Luas panen padi",
            "Jumlah sekolah", "Kunjungan puskesmas", "Realisasi anggaran", "Curah hujan",
        ]  # fmt: skip
        rows = []
        for kab, count in zip(self.kabs, _split(s.datasets, len(self.kabs)), strict=True):
            opds = kab.agencies[1:]
            for _ in range(count):
                pk = next_id
                next_id += 1
                published = rnd.random() < 0.8
                access = "public" if rnd.random() < 0.7 else "government"
                theme = themes[pk % len(themes)]
                rows.append((pk, f"ds-{pk}", f"{theme} {kab.code} ({pk})",
                             f"{theme} per kecamatan, dihimpun setiap tahun.",
                             opds[rnd.randrange(len(opds))], kab.diskominfo, kab.region_id,
                             access, "published" if published else "draft",
                             now if published else None, now if published else None,
                             now, now))  # fmt: skip
        return self.w.write(
            Dataset,
            ["id", "slug", "title", "description", "publisher_id", "walidata_id", "region_id",
             "access_level", "status", "submitted_at", "published_at", "created_at",
             "updated_at"],
            rows,
        )  # fmt: skip

    # blood ------------------------------------------------------------------------------

    def blood(self) -> int:
        s = self.scale
        rnd = self.rng("blood")
        products = list(Product.objects.filter(is_active=True).values_list("id", flat=True))
        cells = [(p, a, r) for p in products for a, r in BLOOD_GROUPS]
        next_m, next_p, next_s = _next_id(Movement), _next_id(UnitProfile), _next_id(Stock)
        ts = self.w.ts
        start = self.now - dt.timedelta(days=s.blood_days)
        profiles, stock, moves = [], [], []
        n = 0
        for kab in self.kabs:
            if kab.udd is None:
                continue
            balance = dict.fromkeys(cells, 0)
            last = start
            version = 0
            for day in range(s.blood_days):
                base = start + dt.timedelta(days=day, hours=7)
                for k in range(4):
                    cell = cells[rnd.randrange(len(cells))]
                    at = base + dt.timedelta(hours=2 * k, minutes=rnd.randrange(60))
                    if k % 2 == 0 or balance[cell] == 0:
                        kind, delta, other = "collected", rnd.randint(1, 12), None
                    else:
                        kind, delta, other = "issued", -rnd.randint(1, balance[cell]), kab.rsud
                    balance[cell] += delta
                    moves.append((next_m, kab.udd, kab.code, cell[0], cell[1], cell[2], kind,
                                  delta, balance[cell], other, ts(at), ts(at)))  # fmt: skip
                    next_m += 1
                    version += 1
                    last = at
            profiles.append((next_p, kab.udd, f"PMI {kab.code}", version, ts(last)))
            next_p += 1
            for (p, a, r), q in balance.items():
                stock.append((next_s, kab.udd, p, a, r, q, ts(last)))
                next_s += 1
            if len(moves) > 300_000:
                n += self._flush_blood(profiles, stock, moves)
        return n + self._flush_blood(profiles, stock, moves)

    def _flush_blood(self, profiles: list[Any], stock: list[Any], moves: list[Any]) -> int:
        n = self.w.write(
            UnitProfile,
            ["id", "unit_id", "ticker_name", "version", "last_change_at"],
            profiles,
        )
        n += self.w.write(
            Stock, ["id", "unit_id", "product_id", "abo", "rh", "quantity", "updated_at"], stock
        )
        n += self.w.write(
            Movement,
            ["id", "unit_id", "region_code", "product_id", "abo", "rh", "kind", "delta",
             "balance_after", "counterpart_id", "occurred_at", "recorded_at"],
            moves,
        )  # fmt: skip
        for rows in (profiles, stock, moves):
            rows.clear()
        return n


SEEDED_MODELS: list[type[models.Model]] = [
    Agency, User, Membership, Program, Partnership, WorkItem, Dependency, Request,
    RequestEvent, Dataset, UnitProfile, Stock, Movement,
]  # fmt: skip


def database_is_empty() -> bool:
    """No agencies, users or requests yet (reference data and migrations' rows aside)."""
    return not (Agency.objects.exists() or User.objects.exists() or Request.objects.exists())


@contextlib.contextmanager
def _bulk_session() -> Iterator[None]:
    """Session settings for a bulk load, restored afterwards: no foreign-key check per row
    (the rows are generated consistent) and a large page cache."""
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            yield  # see _bulk_transaction: PostgreSQL takes SET LOCAL inside the transaction
            return
        if connection.in_atomic_block:  # inside a caller's transaction (the tests)
            yield
            return
        # SQLite ignores PRAGMA foreign_keys inside a transaction: set it before.
        c.execute("PRAGMA foreign_keys = OFF")
        c.execute("PRAGMA cache_size = -400000")
        c.execute("PRAGMA temp_store = MEMORY")
        try:
            yield
        finally:
            c.execute("PRAGMA foreign_keys = ON")


def _bulk_transaction() -> None:
    """PostgreSQL: skip the per-row foreign-key triggers (superuser only) and the fsync
    wait at commit, for this transaction only."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as c:
        c.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = c.fetchone()
        if row and row[0]:
            c.execute("SET LOCAL session_replication_role = replica")
        c.execute("SET LOCAL synchronous_commit = off")


def bench_seed(
    *,
    scale: str,
    now: dt.datetime,
    seed: int = 17,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, int]:
    """Load the reference lists, then bulk-write one scale of generated data and record one
    ``bench.seed`` audit entry; refuses a non-empty database unless ``force``."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if not force and not database_is_empty():
        raise NotEmpty(
            "the database already holds agencies, users or requests; bench seed writes only "
            "into an empty database (use --force to add to it anyway)"
        )
    sc = SCALES[scale]
    t0 = time.perf_counter()
    with _bulk_session(), transaction.atomic():
        regions_load(actor=SYSTEM, rows=reference_rows(), now=now)
        reference_load(actor=SYSTEM, now=now)
        _bulk_transaction()
        counts = Generator(sc, seed=seed, now=now, log=log).run()
        if connection.vendor == "postgresql":
            with connection.cursor() as c:
                for sql in connection.ops.sequence_reset_sql(no_style(), SEEDED_MODELS):
                    c.execute(sql)
        audit_record(
            actor=SYSTEM,
            action="bench.seed",
            now=now,
            object_type="bench",
            object_id=scale,
            after={"scale": scale, "seed": seed, "rows": counts},
            only_changes=False,
        )
    t1 = time.perf_counter()
    with connection.cursor() as c:
        c.execute("ANALYZE")
    log(f"  {'written':<28} {sum(counts.values()):>10,} rows  {t1 - t0:6.1f} s "
        f"(ANALYZE {time.perf_counter() - t1:.1f} s)")  # fmt: skip
    return counts
