"""Answers start first, a few at a time: the first words of every answer come sooner when
many people ask at once.

A message's start (its admission, storing and showing it, starting the assistant's hook)
takes several turns of the event loop and a trip to the database thread. A hundred
starts at once, each taking its turns among all the others and among the answers already
streaming, all finish together at the end: everyone waits as long as the last one. Here
a few start at a time (STARTS_AT_ONCE), the others wait for their turn where waiting
costs nothing, in the order they came; and the work that can wait (an answer that has
shown its first words, the sidebar after a thread's first message) waits until the
messages received before it have started. The work is the same: the first words of each
answer come sooner, the rest of each a little later.

Only what was received before a wait began is waited for (a steady flow of new messages
never holds an answer back for long), and only while those starts go on: a start that
has had its turn for STUCK_SECONDS is given up on, and a wait during which no start at all
ended for STUCK_SECONDS ends. A start waiting for its turn is not stuck, however long the
line: a thousand messages at once all start before the answers go on. A start ends when
its hook begins, not at its first words: a hook waiting for a remote model keeps no one
waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator

from chat.engine import full_collections

# Enough to keep the database thread busy while the others' starts go on in the loop.
STARTS_AT_ONCE = 16
# A start not over this long after it had its turn is stuck (its session waits on something
# that may never come): answers stop waiting for it.
STUCK_SECONDS = 5.0

logger = logging.getLogger(__name__)


class Start:
    """One received message's start; ends once (`end` again does nothing)."""

    def __init__(self, starts: _Starts, number: int) -> None:
        self._starts = starts
        self.number = number
        self.handed_over = False
        self.has_turn = False

    def hand_over(self) -> Start:
        """The hook's run ends it as it begins; the receiving no longer does."""
        self.handed_over = True
        return self

    def take_turn(self) -> None:
        self.has_turn = True
        self._starts.turn_taken(self.number)

    def end(self) -> None:
        if self.has_turn:
            self.has_turn = False
            self._starts.turns.release()
        self._starts.end(self.number)


class _Starts:
    """The starts of one event loop."""

    def __init__(self) -> None:
        self.last = 0
        # the starts not over, in start order
        self.pending: dict[int, None] = {}
        # those of them that have their turn -> since when (at most STARTS_AT_ONCE: what
        # looking for stuck starts walks, however long the line)
        self.turned: dict[int, float] = {}
        self.waiters: deque[tuple[int, asyncio.Future[None]]] = deque()
        self.turns = asyncio.Semaphore(STARTS_AT_ONCE)
        self.last_ended = time.monotonic()  # when a start last ended: the line moves
        # Whether this loop holds full garbage collections back (messages wait: see
        # full_collections); a loop that goes away with its line still full lets go.
        self.holding = [False]
        weakref.finalize(self, _let_go, self.holding)

    def begin(self) -> Start:
        self.last += 1
        if not self.pending:
            self._hold(True)
        else:
            full_collections.check()
        self.pending[self.last] = None
        return Start(self, self.last)

    def _hold(self, hold: bool) -> None:
        if self.holding[0] != hold:
            self.holding[0] = hold
            (full_collections.take if hold else full_collections.give_back)()

    def turn_taken(self, number: int) -> None:
        if number in self.pending:
            self.turned[number] = time.monotonic()

    def end(self, number: int) -> None:
        if number not in self.pending:
            return
        del self.pending[number]
        self.turned.pop(number, None)
        self.last_ended = time.monotonic()
        self._release()

    def _release(self) -> None:
        if not self.pending:
            self._hold(False)
        self._wake()

    def _wake(self) -> None:
        oldest = next(iter(self.pending), None)
        while self.waiters and (oldest is None or oldest > self.waiters[0][0]):
            _horizon, waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)

    def _drop_stuck(self) -> None:
        stuck_before = time.monotonic() - STUCK_SECONDS
        stuck = [n for n, turn in self.turned.items() if turn < stuck_before]
        if stuck:
            logger.warning(
                "Answers stop waiting for %d message start%s stuck for %s s",
                len(stuck),
                "" if len(stuck) == 1 else "s",
                STUCK_SECONDS,
            )
            for number in stuck:
                del self.pending[number]
                del self.turned[number]
            self._release()

    async def wait_for_earlier(self) -> None:
        self._drop_stuck()
        if not self.pending:
            return
        waiter = asyncio.get_running_loop().create_future()
        # Waiters queue in the order of their horizons (`last` only grows).
        self.waiters.append((self.last, waiter))
        try:
            while not waiter.done():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(waiter), STUCK_SECONDS)
                self._drop_stuck()
                if time.monotonic() - self.last_ended >= STUCK_SECONDS:
                    return  # no start ended for that long: the line does not move
        finally:
            waiter.cancel()  # nothing if released


def _let_go(holding: list[bool]) -> None:
    if holding[0]:
        holding[0] = False
        full_collections.give_back()


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Starts] = (
    weakref.WeakKeyDictionary()
)


def _starts() -> _Starts:
    loop = asyncio.get_running_loop()
    starts = _by_loop.get(loop)
    if starts is None:
        starts = _by_loop[loop] = _Starts()
    return starts


@contextlib.asynccontextmanager
async def starting() -> AsyncIterator[Start]:
    """Around the receiving of a message, from its turn on. Its start ends with the
    block, unless handed over to the hook's run (which ends it as the hook begins)."""
    starts = _starts()
    start = starts.begin()
    try:
        await starts.turns.acquire()
        start.take_turn()
        yield start
    finally:
        if not start.handed_over:
            start.end()


def pending() -> int:
    """How many received messages wait for their answer to start."""
    return len(_starts().pending)


async def give_way() -> None:
    """Waits until the messages received before now have had their answers started."""
    await _starts().wait_for_earlier()
