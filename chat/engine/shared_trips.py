"""Writes of many sessions, together: one trip to the database thread for all that wait, and
one transaction (one commit) for all, instead of one each.

Every commit on PostgreSQL waits for its WAL to reach the disk (`synchronous_commit = on`,
kept: a person's message is on disk before it is shown), and Django's database thread makes
one call at a time. When many answers start at once, each question's row, each answer's row
and each answer's final text was a commit of its own, queued one behind the other: the
thousandth first token waited for a thousand fsyncs and more. Here a write asks for a trip;
while one is under way, the writes asked for meanwhile wait together and go in the next,
in one transaction, in the order they were asked for (one refused row fails only itself).
A write's caller hears back only once the transaction has committed, so nothing is shown
before it is stored.

If the transaction itself fails (the server dropped the connection, the commit failed), or
a write fails in a way that leaves it unusable, each write of the trip is made again on its
own, as it would have been without sharing. A trip of one write is that write alone,
without a transaction.

On SQLite a commit does not wait for the disk, but each costs a BEGIN IMMEDIATE, a COMMIT
(the WAL's write) and Django's transaction bookkeeping on the database thread, where the
event loop waits for the GIL: one per trip instead of one per write. A statement SQLite
refuses (a page's resend) undoes only itself, so the write fails alone there too; one that
makes SQLite roll the transaction back (a full disk) has the trip made again write by write.
With CHAT_ASSISTANT_WRITES_ASYNC_COMMIT on PostgreSQL (a write that joins the transaction
with its commit setting would set it for all), each call is a trip of its own as before.

Each write runs in the context it was asked for in (the language a refusal is said in, the
fields its log lines carry), whoever's trip it goes in.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import _restore_context, sync_to_async
from django.conf import settings
from django.db import connection, transaction

from chat.engine import thread_end
from chat.engine.background import spawn

R = TypeVar("R")
Call = tuple[Callable[..., Any], tuple[Any, ...]]
Outcome = tuple[bool, Any]  # (stored, result or error)


def shared() -> bool:
    """Whether writes share trips here (all but PostgreSQL with asynchronous commits)."""
    return connection.vendor != "postgresql" or not settings.CHAT_ASSISTANT_WRITES_ASYNC_COMMIT


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
    """A write failed and left the transaction unusable."""


def _spoiled() -> bool:
    """Whether the trip's transaction can go on after a write's error."""
    if connection.needs_rollback:  # Django refuses what follows (an ORM write failed)
        return True
    raw = connection.connection
    if raw is None:
        return True
    if connection.vendor == "sqlite":
        # SQLite undoes a refused statement alone; on some errors (a full disk, an I/O
        # error) it rolls the whole transaction back.
        return not raw.in_transaction
    from psycopg import pq

    # PostgreSQL refuses every statement after a failed one.
    return raw.info.transaction_status == pq.TransactionStatus.INERROR


def together(calls: list[Call]) -> list[Outcome]:
    """On the database thread: the calls in one transaction. A write refused in a way that
    leaves the transaction usable (a check that says no, a row SQLite refuses) fails alone;
    one that spoils it (a row PostgreSQL refuses: its statement failed) has the whole trip
    rolled back and made again write by write, where each fails or is stored on its own."""
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


# The context whose values were last moved to the database thread.
_restored = threading.local()


def _in_context(context: contextvars.Context, function: Callable[..., Any]) -> Callable[..., Any]:
    """The call as its caller asked for it: in its context (asgiref's Locals too, such as
    the active language, moved to this thread as sync_to_async moves them)."""

    def restored(*args: Any) -> Any:
        if getattr(_restored, "context", None) is not context:
            # Once per context: what it moves stays moved in the context.
            _restore_context(context)
            _restored.context = context
        return function(*args)

    return lambda *args: context.run(restored, *args)


# Resolved once calls have their place in the database thread's queue (see run_all).
InLine = asyncio.Future[None] | None


def now_in_line(in_line: InLine) -> None:
    """Tells `in_line`'s waiters the calls have their place in the database thread's queue."""
    # Resolved just before the trip's call is queued, in the same step: a waiter wakes in a
    # later turn of the loop, once the call is in the queue.
    if in_line is not None and not in_line.done():
        in_line.set_result(None)


def _retrieve(future: asyncio.Future[Any]) -> None:
    # An error nobody awaits any more (its caller stopped) is not reported as unretrieved.
    if not future.cancelled():
        future.exception()


class _Trips:
    """One event loop's writes waiting for the next shared trip."""

    def __init__(self) -> None:
        self.waiting: list[tuple[list[Call], asyncio.Future[list[Outcome]], InLine]] = []
        self.going = False
        self.alone = False  # a trip made by its caller, with nobody else's writes, is on

    async def run(self, calls: list[Call], in_line: InLine = None) -> list[Outcome]:
        if not self.going and not self.alone:
            # Nobody else's writes are on their way: these go at once, as without sharing,
            # without the worker's turns of the loop; writes asked for meanwhile share the
            # worker's trip.
            self.alone = True
            try:
                now_in_line(in_line)
                return await _together_on_database_thread(calls)
            finally:
                self.alone = False
        done: asyncio.Future[list[Outcome]] = asyncio.get_running_loop().create_future()
        done.add_done_callback(_retrieve)
        context = contextvars.copy_context()
        wrapped = [(_in_context(context, f), args) for f, args in calls]
        self.waiting.append((wrapped, done, in_line))
        if not self.going:
            self.going = True
            spawn(self._go(), name="shared-trips")
        return await asyncio.shield(done)  # a caller that stops leaves its writes to land

    async def _go(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting, []
                calls = [call for asked, _done, _in_line in batch for call in asked]
                for _asked, _done, in_line in batch:
                    now_in_line(in_line)
                try:
                    outcomes = await _together_on_database_thread(calls)
                except BaseException as error:
                    for _asked, done, _in_line in batch:
                        if not done.done():
                            done.set_exception(
                                error if isinstance(error, Exception) else asyncio.CancelledError()
                            )
                    if not isinstance(error, Exception):
                        raise
                    continue
                start = 0
                for asked, done, _in_line in batch:
                    if not done.done():
                        done.set_result(outcomes[start : start + len(asked)])
                    start += len(asked)
        finally:
            self.going = False
            for _asked, _done, in_line in self.waiting:
                now_in_line(in_line)  # the loop stopping: nobody waits for their place


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Trips] = weakref.WeakKeyDictionary()


# sync_to_async(function), made once per function (making one inspects it).
_alone: dict[Callable[..., Any], Callable[..., Any]] = {}


async def run_all(calls: list[Call], in_line: InLine = None) -> list[Outcome]:
    """Each call's outcome, in order: with other sessions' writes in one shared trip where
    writes share trips, in a trip of their own otherwise. `in_line` is resolved once the
    calls have their place in the database thread's queue: whoever it wakes is sure that
    what it sends there goes after them (see OrderedWrites.in_line)."""
    if not shared():
        now_in_line(in_line)  # its waiters wake after the call below is queued
        return await _each_alone_on_database_thread(calls)
    loop = asyncio.get_running_loop()
    trips = _by_loop.get(loop)
    if trips is None:
        trips = _by_loop[loop] = _Trips()
    return await trips.run(calls, in_line)


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
