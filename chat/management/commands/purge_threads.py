"""`python manage.py purge_threads [--days N] [--dry-run]`: the retention policy, for cron.

Deletes threads whose last activity is older than N days (default: CHAT_RETENTION_DAYS),
with their messages, steps, elements, feedback and stored files, a batch at a time.
Running it again does nothing more; an interrupted run is finished by the next one.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chat.threads import retention


class Command(BaseCommand):
    help = "Deletes threads (and their files) inactive for longer than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="days without activity (default: the CHAT_RETENTION_DAYS setting)",
        )
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
        parser.add_argument("--batch-size", type=int, default=retention.BATCH_SIZE)

    def handle(self, *args: Any, days: int | None, dry_run: bool, batch_size: int, **options: Any):
        if days is None:
            days = settings.CHAT_RETENTION_DAYS
            if not days:
                self.stdout.write("CHAT_RETENTION_DAYS is not set: every thread is kept.")
                return
        if days < 1:
            raise CommandError("--days must be at least 1.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        result = retention.purge(days, batch_size=batch_size, dry_run=dry_run)
        cutoff = result.cutoff.isoformat(timespec="seconds")
        counts = {
            "threads": ngettext("%(count)d thread", "%(count)d threads", result.threads)
            % {"count": result.threads},
            "files": ngettext("%(count)d file", "%(count)d files", result.files)
            % {"count": result.files},
            "cutoff": cutoff,
        }
        if dry_run:
            text = _("Would delete %(threads)s and %(files)s inactive since before %(cutoff)s.")
        else:
            text = _("Deleted %(threads)s and %(files)s inactive since before %(cutoff)s.")
        self.stdout.write(text % counts)
