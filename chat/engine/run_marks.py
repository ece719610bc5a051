"""Whether a hook runs on a thread anywhere, for the refusals that must see every
instance (an edit or a regeneration never races an answer running on another instance).

A running session keeps a mark in the cache (Redis on the services backend, shared by every
instance; this process's memory embedded) and renews it while its hook runs. A process that
dies leaves its mark for MARK_SECONDS at most. Two runs of one thread on two instances share
the mark: the first to end may take it away, and the other's next renewal puts it back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from typing import Any
from uuid import UUID

from chat.engine.background import spawn
from chatproject.serving import loop_cache
from chatproject.serving.cache_calls import CacheOutage

logger = logging.getLogger(__name__)

MARK_SECONDS = 30
RENEW_SECONDS = 5


def mark_key(thread_id: UUID | str) -> str:
    return f"chat:running:{thread_id}"


class RunMark:
    """The mark of one run: put up when it starts, renewed, taken down when it ends."""

    def __init__(self, thread_id: UUID) -> None:
        self.key = mark_key(thread_id)
        self.token = secrets.token_hex(8)
        self._renewing: asyncio.Task[Any] | None = None

    async def put_up(self) -> None:
        await self._set()
        self._renewing = spawn(self._renew(), name=f"run-mark-{self.key}")

    async def take_down(self) -> None:
        if self._renewing is not None:
            self._renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewing
        try:
            await loop_cache.delete_if(self.key, self.token)
        except Exception as error:
            _say_cache_away(error)
        else:
            _cache_back()

    async def _set(self) -> None:
        try:
            await loop_cache.put(self.key, self.token, MARK_SECONDS)
        except Exception as error:
            # The cache's trouble never stops an answer: only refusals elsewhere miss it.
            _say_cache_away(error)
        else:
            _cache_back()

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            await self._set()


async def marked(thread_id: UUID) -> bool:
    """Whether a run on the thread has its mark up (on any instance)."""
    try:
        found = await loop_cache.get(mark_key(thread_id)) is not None
    except Exception as error:
        _say_cache_away(error)
        return False
    _cache_back()
    return found


# An outage is said once per process, not once per run (every answer puts up a mark).
_outage = CacheOutage(
    logger,
    "Run marks are off while the cache is away (%r): edits are refused only "
    "while an answer runs on this instance",
    "The cache is back: run marks apply again",
)
_say_cache_away, _cache_back = _outage.went, _outage.came_back
