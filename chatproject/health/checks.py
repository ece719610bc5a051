"""Readiness: whether the services a web process needs answer now.

Each check runs on a thread of its own (one per service, so a service that hangs holds one
thread, never a pile of them: while its last check is still out, the next call reports it
failed at once) with short socket timeouts, and all of them together are cut off after
CHAT_READY_TIMEOUT_SECONDS. A check passes or fails; why it failed is logged (once, when it
starts failing), never told to the caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


def check_database() -> None:
    """One `SELECT 1` on this thread's own connection (kept between checks; dropped when
    it broke, so the next check connects afresh)."""
    connection = connections["default"]
    connection.close_if_unusable_or_obsolete()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        connection.close()
        raise


_redis_clients: dict[str, Any] = {}


def _redis(url: str) -> Any:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    client = _redis_clients.get(url)
    if client is None:
        timeout = settings.CHAT_READY_TIMEOUT_SECONDS
        client = _redis_clients[url] = redis.Redis.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            # One try: a check that retried would answer late, and the next one asks again.
            retry=Retry(NoBackoff(), 0),
        )
    return client


def check_redis() -> None:
    _redis(settings.REDIS_URL).ping()


def check_broker() -> None:
    """The broker Celery sends jobs to: pinged directly when it is Redis (the usual case),
    else connected to through kombu."""
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://", "unix://")):
        _redis(url).ping()
        return
    from kombu import Connection

    with Connection(url, connect_timeout=settings.CHAT_READY_TIMEOUT_SECONDS) as connection:
        connection.ensure_connection(max_retries=1)


async def check_channel_layer() -> None:
    """The layer's own connection to Redis, on this event loop; an in-process layer is
    there as long as the process is."""
    layer = get_channel_layer()
    connection = getattr(layer, "connection", None)
    if connection is not None:
        await connection(0).ping()


@dataclass
class _Threaded:
    """A blocking check on a thread of its own, at most one call in flight."""

    run: Callable[[], None]
    name: str
    _executor: ThreadPoolExecutor | None = None
    _pending: Future[None] | None = field(default=None)

    def close(self) -> None:
        """Lets go of the thread, and of the database connection it may hold."""
        if self._executor is not None:
            self._executor.submit(connections.close_all).result(timeout=10)
            self._executor.shutdown()
            self._executor = None

    async def __call__(self) -> None:
        if self._pending is not None and not self._pending.done():
            raise TimeoutError("the previous check has not answered yet")
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"readyz-{self.name}")
        self._pending = self._executor.submit(self.run)
        await asyncio.wrap_future(self._pending)


def _checks() -> dict[str, Callable[[], Any]]:
    checks: dict[str, Callable[[], Any]] = {"database": _Threaded(check_database, "database")}
    if settings.REDIS_URL:
        checks["redis"] = _Threaded(check_redis, "redis")
    checks["channel_layer"] = check_channel_layer
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = _Threaded(check_broker, "broker")
    return checks


class Readiness:
    """The checks of this process, made once (their threads and clients are kept)."""

    def __init__(self) -> None:
        self.checks = _checks()
        self.failing: set[str] = set()

    async def _one(self, name: str, check: Callable[[], Any]) -> bool:
        try:
            await asyncio.wait_for(check(), settings.CHAT_READY_TIMEOUT_SECONDS)
        except Exception as error:
            if name not in self.failing:
                logger.warning("readiness: %s does not answer (%s: %s)", name,
                               type(error).__name__, error)  # fmt: skip
                self.failing.add(name)
            return False
        if name in self.failing:
            logger.warning("readiness: %s answers again", name)
            self.failing.discard(name)
        return True

    def close(self) -> None:
        for check in self.checks.values():
            if isinstance(check, _Threaded):
                check.close()

    async def check(self) -> dict[str, bool]:
        """Each service's name and whether it answered, all checked at once."""
        names = list(self.checks)
        results = await asyncio.gather(*(self._one(n, self.checks[n]) for n in names))
        return dict(zip(names, results, strict=True))
