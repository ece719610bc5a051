"""`python manage.py copy_files_to_storage [--from DIR] [--dry-run]`: an install that kept
its files on disk (MEDIA_ROOT) moves to a bucket. Set CHAT_STORAGE_S3_BUCKET (and its
endpoint and keys), run this, then start the web processes on the bucket. It copies each
file under the same name, skips what is already there, deletes nothing, and says what it
did, and which files the database names that are in neither place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chat.storage import copying

LISTED = 20


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"


class Command(BaseCommand):
    help = "Copies the files kept on local disk into the configured storage (a bucket)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from",
            dest="source",
            default=None,
            help="the folder the files are in (default: MEDIA_ROOT)",
        )
        parser.add_argument("--dry-run", action="store_true", help="say what, copy nothing")

    def handle(self, *args: Any, source: str | None, dry_run: bool, **options: Any) -> None:
        root = Path(source or settings.MEDIA_ROOT)
        if not root.is_dir():
            raise CommandError(f"{root} is not a folder.")
        try:
            report = copying.copy_files(root, default_storage, dry_run=dry_run)
        except copying.SameStorage as error:
            raise CommandError(str(error)) from error
        bucket = getattr(default_storage, "bucket_name", "")
        target = f"the bucket {bucket}" if bucket else default_storage.location
        verb = "Would copy" if dry_run else "Copied"
        megabytes = report.bytes_copied / 1024 / 1024
        self.stdout.write(
            f"{verb} {_files(len(report.copied))} ({megabytes:.1f} MB) from {root} to {target}; "
            f"{len(report.already_there)} already there."
        )
        for name in report.copied[:LISTED]:
            self.stdout.write(f"  {name}")
        if len(report.copied) > LISTED:
            self.stdout.write(f"  ... and {len(report.copied) - LISTED} more")
        if report.missing:
            named = "is" if len(report.missing) == 1 else "are"
            self.stderr.write(
                f"{_files(len(report.missing))} named in the database {named} in neither place:"
            )
            for name in report.missing[:LISTED]:
                self.stderr.write(f"  {name}")
