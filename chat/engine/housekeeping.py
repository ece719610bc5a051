"""Periodic work: what no request does by itself.

- threads past CHAT_RETENTION_DAYS are deleted with their files;
- jobs whose worker died are failed (and their threads told), and answers whose process
  died mid-stream are marked interrupted, in every thread, opened or not;
- expired sign-in sessions are removed from the database;
- audit entries older than CHAT_AUDIT_RETENTION_DAYS are removed.

It runs from Celery beat on the services backend (the `chat.housekeeping` task, every
CHAT_HOUSEKEEPING_SECONDS) and from a timer in the web process on the embedded default
(no beat there). However many beats, timers or processes ask, one round runs at a time:
a lease in the cache (Redis on the services backend, so shared by every process; made
with an atomic add) is taken first, and a round that finds it taken does nothing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import connection as db_connection
from django.utils import timezone

from chat import audit
from chat.engine import jobs
from chat.engine.background import spawn
from chat.models import Message
from chat.threads import retention

logger = logging.getLogger(__name__)

LEASE_KEY = "chat:housekeeping:lease"


@dataclass(frozen=True)
class Round:
    threads_purged: int
    jobs_failed: int
    streams_interrupted: int
    sessions_cleared: bool
    audit_entries_purged: int = 0


def _interrupt_dead_streams() -> int:
    stale_before = timezone.now() - timedelta(seconds=settings.CHAT_STREAM_STALE_SECONDS)
    return Message.objects.filter(
        status=Message.Status.STREAMING, updated_at__lt=stale_before
    ).update(status=Message.Status.INTERRUPTED)


def _clear_expired_sessions() -> bool:
    engine = import_module(settings.SESSION_ENGINE)
    try:
        engine.SessionStore.clear_expired()
    except NotImplementedError:  # a store whose entries expire by themselves
        return False
    return True


def run_round() -> Round | None:
    """One round of every periodic task; None when another round holds the lease."""
    holder = uuid.uuid4().hex
    # Longer than any round takes: a process that dies holding it blocks only until then.
    if not cache.add(LEASE_KEY, holder, timeout=settings.CHAT_HOUSEKEEPING_LEASE_SECONDS):
        logger.info("housekeeping: another round is running, skipped")
        return None
    try:
        purged = 0
        if settings.CHAT_RETENTION_DAYS > 0:
            purged = retention.purge(settings.CHAT_RETENTION_DAYS).threads
        done = Round(
            threads_purged=purged,
            jobs_failed=async_to_sync(jobs.fail_stale)(),
            streams_interrupted=_interrupt_dead_streams(),
            sessions_cleared=_clear_expired_sessions(),
            audit_entries_purged=(
                audit.purge(settings.CHAT_AUDIT_RETENTION_DAYS)
                if settings.CHAT_AUDIT_RETENTION_DAYS > 0
                else 0
            ),
        )
    finally:
        if cache.get(LEASE_KEY) == holder:
            cache.delete(LEASE_KEY)
    logger.info(
        "housekeeping: %d threads purged, %d dead jobs failed, %d dead streams interrupted",
        done.threads_purged,
        done.jobs_failed,
        done.streams_interrupted,
    )
    return done


def _round_on_a_pool_thread() -> None:
    try:
        run_round()
    finally:
        # A round every few minutes need not keep a connection open on a pool thread.
        db_connection.close()


async def _every(seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await sync_to_async(_round_on_a_pool_thread, thread_sensitive=False)()
        except Exception:
            logger.exception("housekeeping failed; trying again in %s s", seconds)


_timers: set[asyncio.AbstractEventLoop] = set()


def start_timer() -> None:
    """The embedded default's stand-in for beat: a round every CHAT_HOUSEKEEPING_SECONDS
    in this process (once per serving loop; never with a broker, where beat does it)."""
    seconds = settings.CHAT_HOUSEKEEPING_SECONDS
    loop = asyncio.get_running_loop()
    if not settings.CHAT_JOBS_IN_PROCESS or seconds <= 0 or loop in _timers:
        return
    _timers.add(loop)
    spawn(_every(seconds), name="housekeeping-timer")
