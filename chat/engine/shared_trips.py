"""Writes of many sessions to PostgreSQL, together: one trip to the database thread and one
commit for all that wait, instead of one commit each.

Every commit on PostgreSQL waits for its WAL to reach the disk (`synchronous_commit = on`,
kept: a person's message is on disk before it is shown), and Django's database thread makes
one call at a time. When many answers start at once, each question's row, each answer's row
and each answer's final text was a commit of its own, queued one behind the other: the
thousandth first token waited for a thousand fsyncs and more. Here a write asks for a trip;
while one is under way, the writes asked for meanwhile wait together and go in the next,
in one transaction, in the order they were asked for (one refused row fails only itself).
A write's caller hears back only once the transaction has committed, so nothing is shown
before it is stored.

If the transaction itself fails (the server dropped the connection, the commit failed),
each write of the trip is made again on its own, as it would have been without sharing.
A trip of one write is that write alone, without a transaction. On SQLite (a commit there
does not wait for the disk) and with CHAT_ASSISTANT_WRITES_ASYNC_COMMIT (a write that joins
the transaction with its commit setting would set it for all), each call is a trip of its
own as before.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection, transaction

from chat.engine import thread_end
from chat.engine.background import spawn

R = TypeVar("R")
Call = tuple[Callable[..., Any], tuple[Any, ...]]
Outcome = tuple[bool, Any]  # (stored, result or error)


def shared() -> bool:
    """Whether writes share trips here (PostgreSQL, commits that wait for the disk)."""
    return connection.vendor == "postgresql" and not settings.CHAT_ASSISTANT_WRITES_ASYNC_COMMIT


def each_alone(calls: list[Call]) -> list[Outcome]:
    """On the database thread: every call, each on its own (one failing stops no other)."""
    outcomes: list[Outcome] = []
    for function, args in calls:
        try:
            outcomes.append((True, function(*args)))
        except Exception as error:
            outcomes.append((False, error))
    return outcomes


class _Spoiled(Exception):
    """A write failed and left the transaction unusable (PostgreSQL refuses what follows)."""


def _spoiled() -> bool:
    raw = connection.connection
    if raw is None:
        return True
    from psycopg import pq

    return raw.info.transaction_status == pq.TransactionStatus.INERROR


def together(calls: list[Call]) -> list[Outcome]:
    """On the database thread: the calls in one transaction. A write refused in a way that
    leaves the transaction usable (a check that says no) fails alone; one that spoils it
    (a row refused: its statement failed) has the whole trip rolled back and made again
    write by write, where each fails or is stored on its own."""
    if len(calls) < 2 or connection.in_atomic_block:
        return each_alone(calls)
    outcomes: list[Outcome] = []
    try:
        with transaction.atomic(), thread_end.shared_trip():
            for function, args in calls:
                try:
                    outcomes.append((True, function(*args)))
                except Exception as error:
                    if _spoiled():
                        raise _Spoiled from error
                    outcomes.append((False, error))
    except Exception:
        # Nothing of the trip was committed: each on its own, as without sharing.
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        return each_alone(calls)
    return outcomes


_together_on_database_thread = sync_to_async(together)
_each_alone_on_database_thread = sync_to_async(each_alone)


def _retrieve(future: asyncio.Future[Any]) -> None:
    # An error nobody awaits any more (its caller stopped) is not reported as unretrieved.
    if not future.cancelled():
        future.exception()


class _Trips:
    """One event loop's writes waiting for the next shared trip."""

    def __init__(self) -> None:
        self.waiting: list[tuple[list[Call], asyncio.Future[list[Outcome]]]] = []
        self.going = False

    async def run(self, calls: list[Call]) -> list[Outcome]:
        done: asyncio.Future[list[Outcome]] = asyncio.get_running_loop().create_future()
        done.add_done_callback(_retrieve)
        self.waiting.append((calls, done))
        if not self.going:
            self.going = True
            spawn(self._go(), name="shared-trips")
        return await asyncio.shield(done)  # a caller that stops leaves its writes to land

    async def _go(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting, []
                calls = [call for asked, _done in batch for call in asked]
                try:
                    outcomes = await _together_on_database_thread(calls)
                except BaseException as error:
                    for _asked, done in batch:
                        if not done.done():
                            done.set_exception(
                                error if isinstance(error, Exception) else asyncio.CancelledError()
                            )
                    if not isinstance(error, Exception):
                        raise
                    continue
                start = 0
                for asked, done in batch:
                    if not done.done():
                        done.set_result(outcomes[start : start + len(asked)])
                    start += len(asked)
        finally:
            self.going = False


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Trips] = weakref.WeakKeyDictionary()


# sync_to_async(function), made once per function (making one inspects it).
_alone: dict[Callable[..., Any], Callable[..., Any]] = {}


async def run_all(calls: list[Call]) -> list[Outcome]:
    """Each call's outcome, in order: with other sessions' writes in one shared trip where
    writes share trips, in a trip of their own otherwise."""
    if not shared():
        return await _each_alone_on_database_thread(calls)
    loop = asyncio.get_running_loop()
    trips = _by_loop.get(loop)
    if trips is None:
        trips = _by_loop[loop] = _Trips()
    return await trips.run(calls)


async def run(function: Callable[..., R], *args: Any) -> R:
    """`function(*args)` on the database thread (a write, and what it reads back), perhaps
    in a trip shared with other sessions' writes; raises its error."""
    if not shared():
        alone = _alone.get(function)
        if alone is None:
            alone = _alone[function] = sync_to_async(function)
        return await alone(*args)
    [(stored, result)] = await run_all([(function, args)])
    if not stored:
        raise result
    return result
