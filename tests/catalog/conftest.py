"""Fixtures of the catalog tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def store(settings: Any, tmp_path: Path) -> Path:
    """A fresh folder for the Parquet files written by the test."""
    root = tmp_path / "catalog"
    settings.CATALOG_ROOT = root
    return root


@pytest.fixture
def draft(db: Any, users: dict[str, Any], now: Any, store: Path) -> Any:
    """A Dinkes draft dataset with complete metadata and no data yet."""
    from sinergi.agencies.models import Agency
    from sinergi.catalog.services import dataset_create

    return dataset_create(
        actor=users["staff"],
        publisher=Agency.objects.get(slug="dinkes-sanggau"),
        slug="kunjungan-puskesmas",
        title="Kunjungan puskesmas",
        description="Kunjungan rawat jalan per puskesmas per bulan.",
        tags=["kesehatan"],
        sector="kesehatan",
        contact_name="Seksi Data",
        contact_email="data@dinkes.example",
        now=now,
    )


CSV = (
    "puskesmas,kecamatan,bulan,kunjungan,rasio\n"
    "Puskesmas Sanggau,Kapuas,2026-01-01,1200,0.5\n"
    "Puskesmas Entikong,Entikong,2026-01-01,800,0.25\n"
    "Puskesmas Sekayam,Sekayam,2026-01-01,650,0.75\n"
    "Puskesmas Sanggau,Kapuas,2026-02-01,1310,0.5\n"
)
