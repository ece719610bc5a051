"""Whether a hook runs on a thread anywhere, for the refusals that must see every
instance (an edit or a regeneration never races an answer running on another instance).

A running session keeps a mark in the cache (Redis on the services backend, shared by every
instance; this process's memory embedded) and renews it while its hook runs. A process that
dies leaves its mark for MARK_SECONDS at most. Two runs of one thread on two instances share
the mark: the first to end may take it away, and the other's next renewal puts it back.

The marks of an event loop's runs are renewed together, every RENEW_SECONDS, by one task
and in one pipeline: a thousand answers under way were a thousand timers and a thousand
Redis commands every RENEW_SECONDS. A mark is taken down only once a renewal that
included it has been answered, so that no renewal puts it back after its run ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import weakref
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
        self._renewals: _Renewals | None = None

    async def put_up(self) -> None:
        try:
            await loop_cache.put(self.key, self.token, MARK_SECONDS)
        except Exception as error:
            # The cache's trouble never stops an answer: only refusals elsewhere miss it.
            _say_cache_away(error)
        else:
            _cache_back()
        self._renewals = _Renewals.of_this_loop()
        self._renewals.add(self)

    async def take_down(self) -> None:
        if self._renewals is not None:
            await self._renewals.discard(self)
            self._renewals = None
        try:
            await loop_cache.delete_if(self.key, self.token)
        except Exception as error:
            _say_cache_away(error)
        else:
            _cache_back()


class _Renewals:
    """The marks of one event loop's runs, renewed together every RENEW_SECONDS by one
    task, which ends when no mark is left."""

    _of_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Renewals] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self) -> None:
        self.marks: dict[RunMark, None] = {}  # in the order put up
        self.task: asyncio.Task[Any] | None = None
        # The renewal under way (its marks, and its end), if any.
        self.renewing: tuple[set[RunMark], asyncio.Future[None]] | None = None

    @classmethod
    def of_this_loop(cls) -> _Renewals:
        loop = asyncio.get_running_loop()
        renewals = cls._of_loop.get(loop)
        if renewals is None:
            renewals = cls._of_loop[loop] = cls()
        return renewals

    def add(self, mark: RunMark) -> None:
        self.marks[mark] = None
        if self.task is None or self.task.done():
            self.task = spawn(self._renew(), name="run-mark-renewals")

    async def discard(self, mark: RunMark) -> None:
        """Stops renewing the mark; returns once no renewal of it is under way."""
        self.marks.pop(mark, None)
        if self.renewing is not None and mark in self.renewing[0]:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.shield(self.renewing[1])
        if not self.marks and self.renewing is None and self.task is not None:
            # Nothing left to renew: no task waits on (a mark put up next starts another).
            self.task.cancel()
            self.task = None

    async def _renew(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.marks:
                await asyncio.sleep(RENEW_SECONDS)
                if not self.marks:
                    break
                marks = set(self.marks)
                done: asyncio.Future[None] = loop.create_future()
                self.renewing = (marks, done)
                try:
                    await loop_cache.put_many(
                        [(mark.key, mark.token) for mark in marks], MARK_SECONDS
                    )
                except Exception as error:
                    _say_cache_away(error)
                else:
                    _cache_back()
                finally:
                    self.renewing = None
                    done.set_result(None)
        finally:
            if self._of_loop.get(loop) is self and not self.marks:
                del self._of_loop[loop]


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
