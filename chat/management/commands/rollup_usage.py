"""Rebuilds the usage dashboard's daily rows for the last days (a backfill, or a nightly
cron that makes yesterday final before anyone opens the dashboard)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from chat.usage import rollup


class Command(BaseCommand):
    help = "Rebuilds the usage dashboard's daily rows of the last DAYS days (default 2)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        today = timezone.localdate()
        for back in range(days - 1, -1, -1):
            day = today - timedelta(days=back)
            count = rollup.rebuild(day)
            self.stdout.write(f"{day}: {count} rows")
