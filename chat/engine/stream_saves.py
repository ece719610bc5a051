"""The periodic saves of every live stream of the process, written together.

Each stream saves its text every CHAT_STREAM_SAVE_SECONDS (and a silent one every few
seconds, to show it is alive). With a thousand answers streaming, one trip to the
database thread per save queued a thousand trips ahead of every new message's admission
(Django's database thread takes its calls one at a time, in order). Here the saves wait
together, and one trip at a time writes all that are waiting, in one transaction (on
PostgreSQL in one statement per model and fields, not one per row): a message sent
meanwhile waits behind at most one such trip.

A save still returns only once its row is written (or raises the database's error), so a
stream's later writes (its final text and status) always land after it. A save given up
before its trip began (a stream closing) is never written.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.db import DatabaseError, connection, models, transaction

from chat.engine.background import spawn
from chatproject.serving.connections import reconnecting

logger = logging.getLogger(__name__)

Key = tuple[type[models.Model], str]


@dataclass
class _Save:
    fields: dict[str, Any]
    waiting: list[asyncio.Future[None]] = field(default_factory=list)


def _update(model: type[models.Model], pk: str, fields: dict[str, Any]) -> None:
    model.objects.filter(pk=pk).update(**fields)


# Rows per UPDATE statement on PostgreSQL (each row's values are parameters of it).
ROWS_PER_STATEMENT = 500


@reconnecting
def _write_all(saves: list[tuple[Key, dict[str, Any]]]) -> None:
    with transaction.atomic():
        if connection.vendor != "postgresql":
            for (model, pk), fields in saves:
                _update(model, pk, fields)
            return
        # One statement for the rows of a model that save the same fields (every stream's
        # text), where a statement per row was a round trip per stream: a thousand streams
        # saving at once were a thousand round trips ahead of everyone's next message.
        alike: dict[tuple[type[models.Model], tuple[str, ...]], list[tuple[str, dict]]] = {}
        for (model, pk), fields in saves:
            alike.setdefault((model, tuple(fields)), []).append((pk, fields))
        for (model, names), rows in alike.items():
            for start in range(0, len(rows), ROWS_PER_STATEMENT):
                _update_many(model, names, rows[start : start + ROWS_PER_STATEMENT])


def _update_many(
    model: type[models.Model], names: tuple[str, ...], rows: list[tuple[str, dict[str, Any]]]
) -> None:
    """`_update` of each row, in one `UPDATE … FROM (VALUES …)`; the ORM's own per row for a
    field or value it would turn into SQL of its own."""
    meta, quote = model._meta, connection.ops.quote_name
    fields = [meta.get_field(name) for name in names]
    if any(hasattr(f, "get_placeholder") for f in fields) or any(
        hasattr(value, "resolve_expression") for _pk, values in rows for value in values.values()
    ):
        for pk, values in rows:
            _update(model, pk, values)
        return
    key = meta.pk
    columns = [quote(key.column), *(quote(f.column) for f in fields)]
    casts = [key.cast_db_type(connection), *(f.cast_db_type(connection) for f in fields)]
    row_sql = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    params: list[Any] = []
    for pk, values in rows:
        params.append(key.get_db_prep_value(pk, connection))
        params.extend(f.get_db_prep_save(values[f.name], connection) for f in fields)
    assignments = ", ".join(f"{column} = v.{column}" for column in columns[1:])
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments}"  # noqa: S608
        f" FROM (VALUES {', '.join([row_sql] * len(rows))}) AS v({', '.join(columns)})"
        f" WHERE t.{columns[0]} = v.{columns[0]}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@reconnecting
def _write_one(model: type[models.Model], pk: str, fields: dict[str, Any]) -> None:
    _update(model, pk, fields)


def _write_each(saves: list[tuple[Key, dict[str, Any]]]) -> list[BaseException | None]:
    """One by one, after the transaction of all failed: one bad row fails only itself."""
    outcomes: list[BaseException | None] = []
    for (model, pk), fields in saves:
        try:
            _write_one(model, pk, fields)
        except DatabaseError as error:
            outcomes.append(error)
        else:
            outcomes.append(None)
    return outcomes


class StreamSaves:
    """The saves waiting for the next trip, one entry per row (the latest text wins)."""

    def __init__(self) -> None:
        self.waiting: dict[Key, _Save] = {}
        self.writing = False
        self.trips = 0  # trips to the database thread made (what the tests count)

    async def save(self, model: type[models.Model], pk: str, fields: dict[str, Any]) -> None:
        key = (model, str(pk))
        entry = self.waiting.get(key)
        if entry is None:
            entry = self.waiting[key] = _Save(dict(fields))
        else:
            entry.fields.update(fields)  # the text so far includes the text saved before
        done = asyncio.get_running_loop().create_future()
        entry.waiting.append(done)
        if not self.writing:
            self.writing = True
            spawn(self._write(), name="stream-saves")
        try:
            await done
        except asyncio.CancelledError:
            # Not written yet: nobody waits for it any more, it is not written at all.
            if self.waiting.get(key) is entry:
                entry.waiting.remove(done)
                if not entry.waiting:
                    del self.waiting[key]
            raise

    async def _write(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting, {}
                saves = [(key, entry.fields) for key, entry in batch.items()]
                self.trips += 1
                try:
                    await sync_to_async(_write_all)(saves)
                    outcomes: list[BaseException | None] = [None] * len(saves)
                except DatabaseError:
                    outcomes = await sync_to_async(_write_each)(saves)
                except Exception as error:  # handed to every save of the trip
                    outcomes = [error] * len(saves)
                except BaseException:
                    # The loop is stopping: nobody is left waiting without an answer.
                    for entry in batch.values():
                        for done in entry.waiting:
                            done.cancel()
                    raise
                for entry, outcome in zip(batch.values(), outcomes, strict=True):
                    for done in entry.waiting:
                        if done.done():
                            continue
                        if outcome is None:
                            done.set_result(None)
                        else:
                            done.set_exception(outcome)
        finally:
            self.writing = False


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, StreamSaves] = (
    weakref.WeakKeyDictionary()
)


def saves() -> StreamSaves:
    """This event loop's saves."""
    loop = asyncio.get_running_loop()
    found = _by_loop.get(loop)
    if found is None:
        found = _by_loop[loop] = StreamSaves()
    return found


async def save(model: type[models.Model], pk: str, fields: dict[str, Any]) -> None:
    """Writes the fields of the row with the next trip of all saves; raises its error."""
    await saves().save(model, pk, fields)
