"""`python manage.py purge_audit [--days N]`: removes audit entries older than the
retention period (CHAT_AUDIT_RETENTION_DAYS), for cron."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chat import audit


class Command(BaseCommand):
    help = "Deletes audit entries older than CHAT_AUDIT_RETENTION_DAYS (or --days) days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args: Any, days: int | None, **options: Any) -> None:
        days = settings.CHAT_AUDIT_RETENTION_DAYS if days is None else days
        if not days:
            self.stdout.write("CHAT_AUDIT_RETENTION_DAYS is 0: every entry is kept.")
            return
        if days < 1:
            raise CommandError("--days must be at least 1.")
        self.stdout.write(f"Deleted {audit.purge(days)} audit entries older than {days} days.")
