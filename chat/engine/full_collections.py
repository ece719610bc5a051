"""Full garbage collections wait while answers are starting.

A full collection walks every object the process holds, and nothing else runs meanwhile:
no first token goes out, and the database thread, wanting the interpreter back after its
statement, waits too. With a thousand signed-in sockets open, each took 100-330 ms. CPython
makes one whenever the objects that outlived the younger collections have grown by a
quarter, which is just what many answers starting together do: in bench (g), a thousand
questions at once, four to six full collections came within the first seconds.

Here, while messages wait for their answers to start, the interpreter's own full
collections are held back (the younger generations, where most garbage dies, go on as
usual). Once no message waits, they are allowed again, and the next comes as CPython
would have made it, after the line. A line that never empties does not hold them off for
good: held for HELD_SECONDS, one is made there and then.
"""

from __future__ import annotations

import gc
import time

# The longest full collections are held back without one being made.
HELD_SECONDS = 10.0
# A third generation's threshold that CPython never reaches.
NEVER = 2**30


class _Hold:
    def __init__(self) -> None:
        self.holders = 0  # event loops with messages waiting for their answers to start
        self.since = 0.0  # when full collections were last held back, or made
        self.threshold: int | None = None  # the threshold held back

    def _stop(self) -> None:
        young, middle, full = gc.get_threshold()
        if full != NEVER:
            self.threshold = full
        gc.set_threshold(young, middle, NEVER)
        self.since = time.monotonic()

    def _allow(self) -> None:
        young, middle, full = gc.get_threshold()
        if full == NEVER and self.threshold is not None:
            gc.set_threshold(young, middle, self.threshold)
        self.threshold = None

    def take(self) -> None:
        """A loop's line is no longer empty."""
        self.holders += 1
        if self.holders == 1:
            self._stop()

    def give_back(self) -> None:
        """A loop's line is empty again."""
        self.holders = max(0, self.holders - 1)
        if self.holders == 0:
            self._allow()

    def check(self) -> None:
        """Held for too long: one full collection now, then held back again."""
        if self.holders and time.monotonic() - self.since >= HELD_SECONDS:
            gc.collect()
            self.since = time.monotonic()


_hold = _Hold()
take, give_back, check = _hold.take, _hold.give_back, _hold.check


def held() -> bool:
    """Whether the interpreter's own full collections are held back now."""
    return gc.get_threshold()[2] == NEVER
