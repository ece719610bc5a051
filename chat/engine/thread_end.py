"""Stores a new message or step at its thread's end: takes the thread's next position and
writes the row.

On PostgreSQL both are one statement committed on its own (`WITH o AS (UPDATE … RETURNING)
INSERT … SELECT … FROM o`): one round trip and one commit, where a transaction around two
statements is four (psycopg sends BEGIN and COMMIT as round trips of their own). A single
statement is atomic, and its UPDATE holds the thread's row until it commits, so concurrent
writers to one thread queue there and each gets a position of its own. The commit keeps
`synchronous_commit` as configured: a user's message is on disk before it is shown.

Elsewhere (SQLite, which has no UPDATE in a WITH) the two statements run in a transaction,
the INSERT written out as `save()` would send it: building it through the ORM cost more
than running it (a message's start writes two rows).

`durable=False` (the assistant's own rows, when CHAT_ASSISTANT_WRITES_ASYNC_COMMIT is on)
makes that commit asynchronous on PostgreSQL, in the same statement (`set_config(…, true)`
lasts until its own commit): the row is visible at once and survives the web process
dying, but is lost if PostgreSQL itself crashes within about three times
wal_writer_delay (0.6 s by default) of it. A user's message never takes this path.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import TypeVar
from uuid import UUID

from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from chat.models import Thread
from chatproject.serving.db.prepared import prepared_cursor

Row = TypeVar("Row", bound=models.Model)


# Whether this thread's connection is in a shared trip's transaction (see `shared_trip`).
_shared = threading.local()


@contextmanager
def shared_trip() -> Iterator[None]:
    """Rows appended meanwhile take no savepoint of their own (two round trips each): the
    caller's transaction is rolled back whole and made again write by write when a row is
    refused."""
    _shared.trip = True
    try:
        yield
    finally:
        _shared.trip = False


def next_order(thread_id: UUID) -> int:
    """The next position in the thread; call inside a transaction."""
    # The UPDATE locks the row until commit, so the position read back is ours alone.
    now = timezone.now()
    if not connection.features.can_return_columns_from_insert:
        Thread.objects.filter(pk=thread_id).update(last_order=F("last_order") + 1, updated_at=now)
        return Thread.objects.values_list("last_order", flat=True).get(pk=thread_id)
    # One statement instead of two (SQLite 3.35+ and PostgreSQL return from an UPDATE as
    # from an INSERT).
    sql, params = _take_position(now, thread_id)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {_quote(_thread_field('last_order').column)}", params)
        row = cursor.fetchone()
    if row is None:
        raise Thread.DoesNotExist(f"No thread {thread_id}")
    return row[0]


def append(row: Row, *, durable: bool = True) -> Row:
    """Inserts the unsaved row (a Message or a Step) with `order` set to the thread's next
    position; raises IntegrityError as save() would, and Thread.DoesNotExist."""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            row.order = next_order(row.thread_id)  # type: ignore[attr-defined]
            _insert(row)
        return row
    # Inside a caller's transaction a savepoint keeps a refused row (a page's resend) from
    # spoiling it; on its own the statement needs no transaction around it. A shared trip
    # makes its writes again one by one when one spoils it (chat.engine.shared_trips).
    savepoint = connection.in_atomic_block and not getattr(_shared, "trip", False)
    with transaction.atomic() if savepoint else nullcontext():
        _insert_at_end(row, durable=durable)
    return row


def _insert(row: models.Model) -> None:
    """`row.save(force_insert=True)`: the same statement, and the row as it leaves it; the
    ORM's own for a value it would turn into SQL of its own (an expression)."""
    meta = row._meta
    fields = meta.local_concrete_fields
    values = [f.pre_save(row, add=True) for f in fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        row.save(force_insert=True)
        return
    params = [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(type(row), connection.alias), params)
    row._state.adding = False
    row._state.db = connection.alias


@functools.cache
def _insert_sql(model: type[models.Model], alias: str) -> str:
    """The INSERT of every concrete field of the model (`alias`: one per database)."""
    fields = model._meta.local_concrete_fields
    columns = ", ".join(_quote(f.column) for f in fields)
    marks = ", ".join("%s" for _ in fields)
    return f"INSERT INTO {_quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608


def _insert_at_end(row: models.Model, *, durable: bool) -> None:
    meta, quote = row._meta, _quote
    fields = [f for f in meta.local_concrete_fields if f.attname != "order"]
    order = quote(meta.get_field("order").column)
    last_order = quote(_thread_field("last_order").column)
    update, params = _take_position(timezone.now(), row.thread_id)  # type: ignore[attr-defined]
    # Typed where they are selected: a parameter in a SELECT list has no column to take
    # its type from.
    values = ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in fields)
    columns = ", ".join(quote(f.column) for f in fields)
    # A WITH query that nothing reads is never run: the setting is joined in (one row).
    lazy, joined = (
        ("", "")
        if durable
        else (", a AS (SELECT set_config('synchronous_commit', 'off', true))", ", a")
    )
    sql = (
        f"WITH o AS ({update} RETURNING {last_order}){lazy} "  # noqa: S608 (model names)
        f"INSERT INTO {quote(meta.db_table)} ({columns}, {order}) "
        f"SELECT {values}, o.{last_order} FROM o{joined} RETURNING {order}"
    )
    params += [f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in fields]
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        inserted = cursor.fetchone()
    if inserted is None:
        raise Thread.DoesNotExist(f"No thread {row.thread_id}")  # type: ignore[attr-defined]
    row.order = inserted[0]  # type: ignore[attr-defined]
    row._state.adding = False
    row._state.db = connection.alias


def _take_position(now, thread_id: UUID) -> tuple[str, list]:
    meta = Thread._meta
    column = _quote(_thread_field("last_order").column)
    updated_at = _thread_field("updated_at")
    sql = (
        f"UPDATE {_quote(meta.db_table)} SET {column} = {column} + 1, "  # noqa: S608
        f"{_quote(updated_at.column)} = %s WHERE {_quote(meta.pk.column)} = %s"
    )
    params = [
        updated_at.get_db_prep_save(now, connection),
        meta.pk.get_db_prep_value(thread_id, connection),
    ]
    return sql, params


def _thread_field(name: str) -> models.Field:
    return Thread._meta.get_field(name)  # type: ignore[return-value]


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)
