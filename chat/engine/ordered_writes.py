"""A run's writes to the database, in order, in as few trips to its thread as they allow.

Each trip to Django's database thread is a hand-over between threads that costs more
than the statements in it (0.1-0.3 ms here, more on a busy machine). An answer that
opens two nested steps, ends them and writes a message made one trip per write, each
awaited before the assistant's code went on. Here a write is queued and the code goes
on; the writes queued meanwhile go together in the next trip, in the order they were
made, one failing stopping no other (in one transaction: see chat.engine.shared_trips).
What a write shows is pushed only once it is stored (its `then`), in the same order, and
before anything pushed after it (the emitter waits for `settle()` before each push): the
database still leads the page.

A failed write is logged where it fails; the run learns of it at its end (`settle(raise_
errors=True)`, in Emitter.stored), as it does of a message shown while being stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from chat.engine import shared_trips
from chat.engine.background import spawn

logger = logging.getLogger(__name__)

Write = Callable[..., Any]
Then = Callable[[Any], Awaitable[None]]
Queued = tuple[Write, tuple[Any, ...], "Then | None"]


class OrderedWrites:
    def __init__(self, name: str, shown: Callable[[], Awaitable[None]] | None = None) -> None:
        """`shown`: called after the `then`s of each trip's writes have run (what they
        showed can go to the page together)."""
        self.name = name
        self._shown = shown
        self._queued: list[Queued] = []
        self._worker: asyncio.Task[None] | None = None
        self._errors: list[BaseException] = []
        # Resolved once the writes queued now have their place in the database thread's
        # queue (see in_line).
        self._next_in_line: asyncio.Future[None] | None = None

    def add(self, write: Write, *args: Any, then: Then | None = None) -> None:
        """Queues `write(*args)` for the database thread; `then(result)` runs once it is
        stored (not if it failed)."""
        self._queued.append((write, args, then))
        if self._next_in_line is None:
            self._next_in_line = asyncio.get_running_loop().create_future()
        if self._worker is None or self._worker.done():
            self._worker = spawn(self._drain(), name=f"writes-{self.name}")

    def waiting(self, write: Write) -> Iterator[tuple[Any, ...]]:
        """The arguments of each `write` queued and not yet taken to the database thread,
        oldest first: what is still waiting may be amended in place (a batch, once taken,
        is no longer here)."""
        return (args for queued, args, _ in self._queued if queued is write)

    @property
    def waiting_for_a_trip(self) -> bool:
        """Whether writes are queued that no trip has taken yet."""
        return bool(self._queued)

    @property
    def pending(self) -> bool:
        return self._worker is not None and not self._worker.done()

    async def in_line(self) -> None:
        """Waits until the writes queued so far have their place in the database thread's
        queue, taken there in turn: a call sent there after this goes after them (what is
        written about a message shown while it is stored lands after its row)."""
        if self._next_in_line is not None:
            await asyncio.shield(self._next_in_line)

    async def settle(self, *, raise_errors: bool = False) -> None:
        """Waits until every write queued so far is stored and shown. Never cancels them:
        a stopped run's writes still land."""
        while self._worker is not None and not self._worker.done():
            await asyncio.wait([self._worker])
        if raise_errors and self._errors:
            error, self._errors = self._errors[0], []
            raise error

    def forget_errors(self) -> None:
        self._errors.clear()

    async def _drain(self) -> None:
        while self._queued:
            batch, self._queued = self._queued, []
            in_line, self._next_in_line = self._next_in_line, None
            # With other sessions' writes where writes share trips (chat.engine.shared_trips).
            try:
                results = await shared_trips.run_all([(w, args) for w, args, _ in batch], in_line)
            finally:
                shared_trips.now_in_line(in_line)
            try:
                await self._then(batch, results)
            finally:
                if self._shown is not None:
                    try:
                        await self._shown()
                    except Exception as error:
                        logger.exception("Showing the writes of %s failed", self.name)
                        self._errors.append(error)

    async def _then(self, batch: list[Queued], results: list[tuple[bool, Any]]) -> None:
        for (write, _args, then), (stored, result) in zip(batch, results, strict=True):
            if not stored:
                logger.error("A write of %s failed: %s", self.name, write.__name__, exc_info=result)
                self._errors.append(result)
            elif then is not None:
                try:
                    await then(result)
                except Exception as error:
                    logger.exception("Showing a write of %s failed", self.name)
                    self._errors.append(error)
