"""``manage.py cases_purge``: delete the documents of cases past their retention period."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    """Delete the files of cases closed longer ago than their service's retention period."""

    help = "Delete the documents of citizen cases past their retention period (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        """``--now`` (ISO 8601) to purge as of another moment."""
        parser.add_argument("--now", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        """Purge and print how many cases had their documents deleted."""
        from sinergi.cases.services import cases_purge
        from sinergi.core.clock import parse_now

        result = cases_purge(now=parse_now(options["now"] or None))
        self.stdout.write(f"purged {result['purged']}")
