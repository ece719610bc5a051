"""A graceful stop: on SIGTERM the process takes no new runs, lets the answers in flight
finish for a while, and saves what could not finish, whole, as interrupted.

A deploy then cuts nothing a kill -9 would not: an answer finishes here if it can (its
tabs see it end), and one that cannot is stored with every token shown so far and marked
interrupted at once, rather than left "streaming" until it goes stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from channels.layers import get_channel_layer
from django.utils.translation import gettext as _

from chat.engine import control, metrics
from chat.errors import UserFacingError
from chat.models import Message

logger = logging.getLogger(__name__)

# How long sockets get to take their last frames and close before they are cancelled.
SOCKETS_CLOSE_SECONDS = 5.0


class ShuttingDown(UserFacingError):
    """A message sent while the process drains: the page keeps it and sends it again."""

    keeps_draft = True

    def __init__(self) -> None:
        super().__init__(_("The server is restarting: send your message again in a few seconds."))


class Drain:
    """This process's shutdown state (one per process: a signal stops the whole of it)."""

    def __init__(self) -> None:
        self.draining = False
        # The channels of this process's open chat sockets.
        self.sockets: set[str] = set()
        self._all_closed: asyncio.Event | None = None

    def track(self, channel_name: str) -> None:
        self.sockets.add(channel_name)

    def forget(self, channel_name: str) -> None:
        self.sockets.discard(channel_name)
        if not self.sockets and self._all_closed is not None:
            self._all_closed.set()

    def refuse_new_runs(self) -> None:
        if self.draining:
            raise ShuttingDown

    async def drain(self, grace: float) -> None:
        """Waits up to `grace` seconds for the runs in flight, then ends the rest as
        interrupted, their text saved as far as it got."""
        self.draining = True
        started = time.monotonic()
        sessions = _sessions()
        runs = {s: s.current_run for s in sessions if _in_flight(s.current_run)}
        logger.warning(
            "Shutting down: no new runs; %d in flight, waiting up to %.0f s for them",
            len(runs),
            grace,
        )
        if runs:
            await asyncio.wait(set(runs.values()), timeout=grace)
        unfinished = [s for s, run in runs.items() if _in_flight(run)]
        for session in unfinished:
            await _interrupt(session)
        logger.warning(
            "Shutdown: runs finished: %d, in %.1f s; interrupted and saved as they stood: %d",
            len(runs) - len(unfinished),
            time.monotonic() - started,
            len(unfinished),
        )
        await self._close_sockets()

    async def _close_sockets(self) -> None:
        """Asks every socket to close with the reconnect code, through its own channel:
        after the fragments already on their way to it (the final render of an answer
        that just finished), which cancelling its consumer would lose."""
        layer = get_channel_layer()
        self._all_closed = asyncio.Event()
        if not self.sockets:
            return
        logger.warning(
            "Shutdown: closing chat sockets with the reconnect code: %d", len(self.sockets)
        )
        for name in list(self.sockets):
            try:
                await layer.send(name, {"type": "chat.shutdown"})
            except Exception:
                logger.exception("Could not ask a socket to close; it is cancelled instead")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._all_closed.wait(), SOCKETS_CLOSE_SECONDS)


def _sessions() -> list[Any]:
    every = control.control().sessions.values()
    return [session for sessions in every for session in sessions]


def _in_flight(run: asyncio.Task[Any] | None) -> bool:
    return run is not None and not run.done()


async def _interrupt(session: Any) -> None:
    """Stores the session's live streams as they stand, marked interrupted (the tabs see
    it now), then stops its run."""
    try:
        await session.emitter.end_all_streams(Message.Status.INTERRUPTED)
    except Exception:
        logger.exception("Could not save the streams of thread %s", session.thread_id)
    run = session.current_run
    if _in_flight(run):
        run.cancel()
        await asyncio.wait({run}, timeout=2)


drain = Drain()
metrics.websockets_open.set_function(lambda: len(drain.sockets))
