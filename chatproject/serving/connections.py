"""How often a socket's frames tidy the database connections.

Channels closes unusable or expired connections before every frame it hands a consumer:
a trip to the database thread, ahead of the message the user just sent. Django's own
per-request tidy-up has nothing to do for a kept connection (CONN_MAX_AGE unset) that
saw no error, so once a second is enough to replace a broken one. A connection that must
close after each use (CONN_MAX_AGE=0, behind a transaction pooler) is tidied every frame.

Work beside the frames (a stream's saves, a job's heartbeat) meets a connection the server
dropped on its own: `reconnecting` runs such a call once more on a new connection.

Measured by `bench/run.py --phases b` (echo round trip): the tidy-up before every frame
was a database-thread trip per message.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import InterfaceError, OperationalError, connection, connections

P = ParamSpec("P")
R = TypeVar("R")

TIDY_EVERY_SECONDS = 1.0

_last_tidy = float("-inf")


def tidy_due(now: float | None = None) -> bool:
    """Whether this frame should tidy the connections first; counts it as done if so."""
    global _last_tidy
    # The configured settings (each connection's settings_dict), not `connections[alias]`:
    # from the event loop that made a connection object in every task's context, at every
    # frame.
    if any(database["CONN_MAX_AGE"] == 0 for database in connections.settings.values()):
        return True
    now = time.monotonic() if now is None else now
    if now - _last_tidy < TIDY_EVERY_SECONDS:
        return False
    _last_tidy = now
    return True


def _dropped() -> bool:
    """Whether this thread's connection is gone (and may be replaced: no transaction)."""
    if connection.in_atomic_block:
        return False
    return connection.connection is None or not connection.is_usable()


def reconnecting(function: Callable[P, R]) -> Callable[P, R]:
    """A database call, made once more on a new connection if the server dropped the one
    it ran on (terminated, restarted, failed over). Only for calls that are safe to
    repeat: an update to the same values, an insert that a second time is refused."""

    @functools.wraps(function)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except (OperationalError, InterfaceError):
            if not _dropped():
                raise
            connection.close()
            return function(*args, **kwargs)

    return call
