"""Demo data for Kabupaten Sanggau, loaded idempotently through the services."""

from __future__ import annotations

import datetime as dt
import importlib
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from django.apps import apps
from django.db import transaction

from sinergi.accounts.models import User
from sinergi.accounts.services import user_create
from sinergi.agencies.models import Agency, Membership
from sinergi.agencies.services import agency_create, membership_add, reference_load
from sinergi.core.permissions import SYSTEM
from sinergi.regions.services import reference_rows, regions_load

CORE_APPS = {"core", "regions", "agencies", "accounts"}
DEMO_PASSWORD = "sanggau-demo-2026"  # noqa: S105 - printed for the demo, never used in production


@dataclass(frozen=True)
class DemoUser:
    """A demo login and the memberships it holds."""

    username: str
    full_name: str
    what: str
    memberships: tuple[tuple[str, str, str], ...]  # (agency slug, role, position title)
    superuser: bool = False


DEMO_USERS = (
    DemoUser("admin", "Administrator Sinergi", "platform administrator", (), superuser=True),
    DemoUser(
        "bupati",
        "Bupati Sanggau (demo)",
        "leader: Bupati",
        (("pemkab-sanggau", "head", "Bupati Sanggau"),),
    ),
    DemoUser(
        "sekda",
        "Sekretaris Daerah (demo)",
        "leader: Sekda",
        (
            ("pemkab-sanggau", "manager", "Sekretaris Daerah"),
            ("setda-sanggau", "head", "Sekretaris Daerah Kabupaten Sanggau"),
        ),
    ),
    DemoUser(
        "kabappeda",
        "Kepala Bappeda (demo)",
        "leader: Kepala Bappeda",
        (
            ("bappeda-sanggau", "head", "Kepala Bappeda"),
            ("pemkab-sanggau", "manager", "Kepala Bappeda"),
        ),
    ),
    DemoUser(
        "kadinkes",
        "Kepala Dinas Kesehatan (demo)",
        "agency head: Dinas Kesehatan",
        (("dinkes-sanggau", "head", "Kepala Dinas Kesehatan"),),
    ),
    DemoUser(
        "dinkes",
        "Staf Dinas Kesehatan (demo)",
        "staff: Dinas Kesehatan",
        (("dinkes-sanggau", "staff", "Pengelola Program Kesehatan"),),
    ),
    DemoUser(
        "kadispupr",
        "Kepala Dinas PUPR (demo)",
        "agency head: Dinas PUPR",
        (("dpupr-sanggau", "head", "Kepala Dinas PUPR"),),
    ),
    DemoUser(
        "pupr",
        "Staf Dinas PUPR (demo)",
        "manager: Dinas PUPR",
        (("dpupr-sanggau", "manager", "Kepala Bidang Cipta Karya"),),
    ),
    DemoUser(
        "kakantah",
        "Kepala Kantor Pertanahan (demo)",
        "agency head: Kantor Pertanahan",
        (("kantah-sanggau", "head", "Kepala Kantor Pertanahan Kabupaten Sanggau"),),
    ),
    DemoUser(
        "pertanahan",
        "Staf Kantor Pertanahan (demo)",
        "staff: Kantor Pertanahan",
        (("kantah-sanggau", "staff", "Analis Pengadaan Tanah"),),
    ),
    DemoUser(
        "walidata",
        "Walidata Diskominfo (demo)",
        "staff: Diskominfo (walidata)",
        (("diskominfo-sanggau", "staff", "Walidata"),),
    ),
    DemoUser(
        "pmi",
        "Petugas UDD PMI (demo)",
        "staff: UDD PMI Sanggau",
        (("udd-pmi-sanggau", "staff", "Petugas Stok Darah"),),
    ),
    DemoUser(
        "rsud",
        "Petugas BDRS RSUD (demo)",
        "staff: RSUD M. Th. Djaman",
        (("rsud-sanggau", "staff", "Petugas Bank Darah Rumah Sakit"),),
    ),
    DemoUser(
        "pengamat",
        "Pengamat (demo)",
        "viewer: Bappeda",
        (("bappeda-sanggau", "viewer", "Pengamat"),),
    ),
)


def demo_agencies() -> list[dict[str, Any]]:
    """The bundled list of Sanggau agencies (see docs/decisions/demo-agencies.md)."""
    text = (
        resources.files("sinergi.agencies")
        .joinpath("data", "sanggau_agencies.json")
        .read_text("utf-8")
    )
    return list(json.loads(text))


@transaction.atomic
def load_demo(*, now: dt.datetime, password: str = DEMO_PASSWORD) -> dict[str, Any]:
    """Load regions, reference lists, Sanggau agencies and demo users; safe to run again."""
    counts: dict[str, Any] = {"regions": 0, "agencies": 0, "users": 0, "memberships": 0}
    counts["regions"] = regions_load(actor=SYSTEM, rows=reference_rows(), now=now)["created"]
    reference_load(actor=SYSTEM, now=now)
    existing = set(Agency.objects.values_list("slug", flat=True))
    pending = [a for a in demo_agencies() if a["slug"] not in existing]
    # Parents before children: keep going while each pass creates something.
    while pending:
        progressed = []
        for a in pending:
            if a["parent"] and a["parent"] not in existing:
                continue
            fields = {
                k: a.get(k, "") or ""
                for k in (
                    "short_name",
                    "mandate",
                    "head_title",
                    "address",
                    "phone",
                    "email",
                    "website",
                )
            }
            agency_create(
                actor=SYSTEM,
                slug=a["slug"],
                name=a["name"],
                kind=a["kind"],
                region=a["region"],
                parent=a["parent"],
                sectors=a.get("sectors", []),
                affairs=a.get("affairs", []),
                now=now,
                **fields,
            )
            existing.add(a["slug"])
            progressed.append(a)
            counts["agencies"] += 1
        if not progressed:
            raise ValueError(
                "demo agencies refer to unknown parents: " + ", ".join(a["slug"] for a in pending)
            )
        pending = [a for a in pending if a not in progressed]
    for du in DEMO_USERS:
        user = User.objects.filter(username=du.username).first()
        if user is None:
            user = user_create(
                actor=SYSTEM,
                username=du.username,
                password=password,
                full_name=du.full_name,
                email=f"{du.username}@demo.sinergi.invalid",
                is_superuser=du.superuser,
                now=now,
            )
            counts["users"] += 1
        for slug, role, title in du.memberships:
            agency = Agency.objects.get(slug=slug)
            if not Membership.objects.filter(user=user, agency=agency).exists():
                membership_add(
                    actor=SYSTEM, agency=agency, user=user, role=role, position_title=title, now=now
                )
                counts["memberships"] += 1
    # Each domain app may ship ``<app>/demo.py`` with ``load_demo(now=...)``; they run in
    # INSTALLED_APPS order, so programs exist before the requests that refer to them.
    for config in apps.get_app_configs():
        if config.name.startswith("sinergi.") and config.label not in CORE_APPS:
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            counts[config.label] = module.load_demo(now=now)
    return counts
