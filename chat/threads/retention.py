"""Removing conversations for good: their rows and their stored files.

Used by the user's delete, the admin's delete and the `purge_threads` command alike.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from chat.models import Element, Thread

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def _file_storage() -> Any:
    return Element._meta.get_field("file").storage


def _delete_files(names: list[str]) -> None:
    """Deletes stored files through the storage API; a failure is logged, not raised.

    (chat.engine.elements deletes an element's file when the row goes, too; deleting a
    file twice is harmless, and this does not depend on that receiver being loaded.)
    """
    storage = _file_storage()
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # a storage outage must not undo the deletion of the rows
            logger.exception("Could not delete the stored file %s", name)


def remove_threads(thread_ids: Iterable[Any], *, older_than: datetime | None = None) -> int:
    """Deletes the threads (with everything in them) and then their files; returns how many.

    With `older_than`, a thread that saw activity since it was picked is kept.
    """
    ids = list(thread_ids)
    if not ids:
        return 0
    with transaction.atomic():
        chosen = Thread.objects.filter(pk__in=ids)
        if older_than is not None:
            chosen = chosen.filter(updated_at__lt=older_than)
        names = list(
            Element.objects.filter(thread__in=chosen)
            .exclude(file="")
            .values_list("file", flat=True)
        )
        _, counts = chosen.delete()
        # Files go once the rows are gone for sure: a rollback keeps both.
        transaction.on_commit(partial(_delete_files, names))
    return counts.get(Thread._meta.label, 0)


@dataclass(frozen=True)
class PurgeResult:
    threads: int
    files: int
    cutoff: datetime


def stale_threads(days: int, *, now: datetime | None = None) -> tuple[Any, datetime]:
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return Thread.objects.filter(updated_at__lt=cutoff), cutoff


def purge(
    days: int, *, batch_size: int = BATCH_SIZE, dry_run: bool = False, now: datetime | None = None
) -> PurgeResult:
    """Deletes threads whose last activity is older than `days` days, a batch at a time.

    Each batch is its own transaction, so an interrupted run keeps what it did and the
    next run goes on from there.
    """
    if days < 1:
        raise ValueError("The retention period is at least one day.")
    stale, cutoff = stale_threads(days, now=now)
    if dry_run:
        files = Element.objects.filter(thread__in=stale).exclude(file="").count()
        return PurgeResult(threads=stale.count(), files=files, cutoff=cutoff)
    threads = files = 0
    while True:
        ids = list(stale.order_by("updated_at").values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        files += Element.objects.filter(thread_id__in=ids).exclude(file="").count()
        removed = remove_threads(ids, older_than=cutoff)
        threads += removed
        if removed == 0:  # every one of them came back to life meanwhile
            break
    return PurgeResult(threads=threads, files=files, cutoff=cutoff)
