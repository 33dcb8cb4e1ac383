"""``manage.py catalog_sweep``: remove data files that no dataset version refers to."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    """Remove orphan files of the catalog's data folder (older than an hour by default)."""

    help = "Remove catalog data files that no dataset version refers to."

    def add_arguments(self, parser: CommandParser) -> None:
        """``--min-age-minutes`` (default 60)."""
        parser.add_argument("--min-age-minutes", type=int, default=60)

    def handle(self, *args: Any, **options: Any) -> None:
        """Sweep and print how many files were removed and kept."""
        from sinergi.catalog.services import sweep_orphan_files
        from sinergi.core.clock import now

        minutes = max(0, int(options["min_age_minutes"]))
        result = sweep_orphan_files(now=now(), min_age=dt.timedelta(minutes=minutes))
        self.stdout.write(f"removed {result['removed']}, kept {result['kept']}")
