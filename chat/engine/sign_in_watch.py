"""One watch per process over every open socket's sign-in, frames or not.

A socket whose page sends nothing (a tab left open to read) must still be ended when its
sign-in does, also when no announcement came (an expired session, an account changed with
`QuerySet.update`, Redis away). Each socket is checked in full every FULL_CHECK_SECONDS:
not by a timer of its own (10,000 idle sockets made ~330 reads of a session and an account
a second, each a hop to the database thread), but by one task per process that wakes at
most once per `pause()` seconds and checks all the sockets then due in batches, a few queries
per batch however large (see `sign_in_checks`). It closes only the sockets whose sign-in
ended, and records the time of the check on the others: a frame reads that result instead
of checking again (see `SocketSignIn.holds`).

Each process watches its own sockets against the shared database: with several web
processes, each closes its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from asgiref.sync import sync_to_async
from django.conf import settings

from chat.engine import background, sign_in_checks

logger = logging.getLogger(__name__)

FULL_CHECK_SECONDS = settings.CHAT_SIGN_IN_CHECK_SECONDS
# The watch wakes at most this often (a tenth of the interval, within these bounds): the
# sockets due meanwhile wait for it, so each is checked every FULL_CHECK_SECONDS plus at
# most one pause, and a wake-up checks many at once.
LONGEST_PAUSE_SECONDS = 3.0
SHORTEST_PAUSE_SECONDS = 0.1
# Sockets checked per query: far below SQLite's limit on a query's parameters.
BATCH = 500


class Watched(Protocol):
    user_id: Any
    session_key: str | None
    proof: sign_in_checks.Proof | None
    ended: bool
    checked_at: float

    def mark_ended(self) -> object: ...


Ending = Callable[[], Awaitable[None]]


def pause() -> float:
    return min(max(FULL_CHECK_SECONDS / 10, SHORTEST_PAUSE_SECONDS), LONGEST_PAUSE_SECONDS)


def trusted_for() -> float:
    """How long a socket may go on the watch's last check before a frame checks for
    itself: a check missed by more than this means the watch could not reach the database."""
    return 2 * FULL_CHECK_SECONDS + pause()


class SignInWatch:
    """The open sockets of one event loop (the process's), each with what ends it."""

    def __init__(self) -> None:
        self._ends: dict[Watched, Ending] = {}
        # (when due, socket) in the order they fall due; a socket gone is skipped.
        self._due: deque[tuple[float, Watched]] = deque()
        self._task: asyncio.Task[None] | None = None
        self.checks = 0  # batches checked, for the record

    def __len__(self) -> int:
        return len(self._ends)

    def add(self, sign_in: Watched, end: Ending) -> None:
        """Watches a socket until `discard`; `end` closes it once its sign-in no longer holds."""
        self._ends[sign_in] = end
        self._due.append((time.monotonic() + FULL_CHECK_SECONDS, sign_in))
        if self._task is None or self._task.done():
            self._task = background.spawn(self._run(), name="sign-in-watch")

    def discard(self, sign_in: Watched) -> None:
        self._ends.pop(sign_in, None)

    async def _run(self) -> None:
        while self._ends:
            waited = self._due[0][0] - time.monotonic() if self._due else FULL_CHECK_SECONDS
            await asyncio.sleep(max(waited, pause()))
            await self.check_due()

    async def check_due(self, now: float | None = None) -> None:
        """Checks every socket due by `now` (by default, now): ends those whose sign-in
        ended, and schedules the others' next check."""
        now = time.monotonic() if now is None else now
        due: list[Watched] = []
        while self._due and self._due[0][0] <= now:
            _, sign_in = self._due.popleft()
            if sign_in in self._ends and not sign_in.ended:
                due.append(sign_in)
        for start in range(0, len(due), BATCH):
            await self._check(due[start : start + BATCH])

    async def _check(self, batch: list[Watched]) -> None:
        try:
            gone = set(await sync_to_async(sign_in_checks.ended)(batch))
        except Exception as error:
            # The database is out of reach: the sockets stay, and are tried again in turn.
            logger.warning("Could not check the sign-ins of %d sockets (%s)", len(batch), error)
            gone, checked = set(), None
        else:
            checked = time.monotonic()
            self.checks += 1
        next_due = time.monotonic() + FULL_CHECK_SECONDS
        for sign_in in batch:
            end = self._ends.get(sign_in)
            if end is None:
                continue  # closed meanwhile
            if sign_in in gone:
                sign_in.mark_ended()
                self.discard(sign_in)
                await self._end(end)
                continue
            if checked is not None:
                sign_in.checked_at = max(sign_in.checked_at, checked)
            self._due.append((next_due, sign_in))

    @staticmethod
    async def _end(end: Ending) -> None:
        try:
            await end()
        except Exception:
            logger.exception("Could not close a socket whose sign-in ended")


_watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SignInWatch] = (
    weakref.WeakKeyDictionary()
)


def watch_of_this_loop() -> SignInWatch:
    loop = asyncio.get_running_loop()
    found = _watches.get(loop)
    if found is None:
        found = _watches[loop] = SignInWatch()
    return found
