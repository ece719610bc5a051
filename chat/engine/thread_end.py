"""Stores a new message or step at its thread's end: takes the thread's next position and
writes the row.

On PostgreSQL both are one statement committed on its own (`WITH o AS (UPDATE … RETURNING)
INSERT … SELECT … FROM o`): one round trip and one commit, where a transaction around two
statements is four (psycopg sends BEGIN and COMMIT as round trips of their own). A single
statement is atomic, and its UPDATE holds the thread's row until it commits, so concurrent
writers to one thread queue there and each gets a position of its own. The commit keeps
`synchronous_commit` as configured: a user's message is on disk before it is shown.

On SQLite (no UPDATE in a WITH) it is two statements in a transaction: the INSERT, which
reads the position from the thread's row (`SELECT …, last_order + 1 FROM thread`), then the
thread's counter moved on to it. A refused row is refused by the first statement, which
SQLite undoes alone: in a shared trip's transaction (chat.engine.shared_trips) the row
needs no savepoint of its own, and nothing else of the trip is lost.

Both INSERTs are written out once per model and database, and each row's values become
their parameters as `save()` would make them, without the ORM's layers for the usual
types (a message's start writes two rows; building them through the ORM cost more than
running them on the database thread, where the event loop waits for the GIL).

`durable=False` (the assistant's own rows, when CHAT_ASSISTANT_WRITES_ASYNC_COMMIT is on)
makes that commit asynchronous on PostgreSQL, in the same statement (`set_config(…, true)`
lasts until its own commit): the row is visible at once and survives the web process
dying, but is lost if PostgreSQL itself crashes within about three times
wal_writer_delay (0.6 s by default) of it. A user's message never takes this path.
"""

from __future__ import annotations

import datetime
import functools
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import F
from django.utils import timezone

from chat.models import Thread
from chatproject.serving.db.prepared import prepared_cursor

Row = TypeVar("Row", bound=models.Model)


# Whether this thread's connection is in a shared trip's transaction (see `shared_trip`).
_shared = threading.local()


@contextmanager
def shared_trip() -> Iterator[None]:
    """Rows appended meanwhile take no savepoint of their own (two round trips each on
    PostgreSQL): there the caller's transaction is rolled back whole and made again write
    by write when a row is refused; SQLite undoes a refused row's statement alone."""
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
    db = connections[DEFAULT_DB_ALIAS]
    last_order = db.ops.quote_name(_thread_field("last_order").column)
    with db.cursor() as cursor:
        cursor.execute(
            f"{_counter_sql(db.alias)} RETURNING {last_order}",
            [_plan(Thread, db.alias).convert("updated_at", now, db), _thread_pk(db, thread_id)],
        )
        row = cursor.fetchone()
    if row is None:
        raise Thread.DoesNotExist(f"No thread {thread_id}")
    return row[0]


def append(row: Row, *, durable: bool = True) -> Row:
    """Inserts the unsaved row (a Message or a Step) with `order` set to the thread's next
    position; raises IntegrityError as save() would, and Thread.DoesNotExist."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each `connection.x` looks it up again
    in_trip = db.in_atomic_block and getattr(_shared, "trip", False)
    if db.vendor == "sqlite":
        if in_trip:
            # The trip's transaction is this row's: a refused INSERT changed nothing (SQLite
            # undoes just the failing statement), and it comes first.
            _insert_then_take(db, row)
        else:
            with transaction.atomic():
                _insert_then_take(db, row)
        return row
    if db.vendor != "postgresql":
        with transaction.atomic():
            row.order = next_order(row.thread_id)  # type: ignore[attr-defined]
            row.save(force_insert=True)
        return row
    # Inside a caller's transaction a savepoint keeps a refused row (a page's resend) from
    # spoiling it; on its own the statement needs no transaction around it. A shared trip
    # makes its writes again one by one when one spoils it (chat.engine.shared_trips).
    with transaction.atomic() if db.in_atomic_block and not in_trip else nullcontext():
        _insert_at_end(db, row, durable=durable)
    return row


def _insert_then_take(db: BaseDatabaseWrapper, row: models.Model) -> None:
    """SQLite, in a transaction: the row at the position after the thread's last (read in
    its INSERT), then the thread's counter moved on to it."""
    plan = _plan(type(row), db.alias)
    params = plan.params(row, db)
    if params is None:
        # A value the ORM turns into SQL of its own (an expression): its own INSERT.
        row.order = next_order(row.thread_id)  # type: ignore[attr-defined]
        row.save(force_insert=True)
        return
    thread_id = _thread_pk(db, row.thread_id)  # type: ignore[attr-defined]
    with db.cursor() as cursor:
        cursor.execute(plan.insert_from_thread, [*params, thread_id])
        inserted = cursor.fetchone()
        if inserted is None:
            raise Thread.DoesNotExist(f"No thread {row.thread_id}")  # type: ignore[attr-defined]
        try:
            cursor.execute(_counter_sql(db.alias, given=True), [inserted[0], _now(db), thread_id])
        except BaseException:
            # The row is in and the counter not: the transaction must not commit.
            transaction.set_rollback(True, using=db.alias)
            raise
    _saved(row, inserted[0], db)


def _insert_at_end(db: BaseDatabaseWrapper, row: models.Model, *, durable: bool) -> None:
    """PostgreSQL: the position and the row in one statement."""
    plan = _plan(type(row), db.alias)
    params = plan.params(row, db)
    if params is None:
        params = [f.get_db_prep_save(f.pre_save(row, add=True), db) for f in plan.fields]
    with prepared_cursor() as cursor:
        cursor.execute(
            plan.insert_at_end if durable else plan.insert_at_end_lazily,
            [_now(db), _thread_pk(db, row.thread_id), *params],  # type: ignore[attr-defined]
        )
        inserted = cursor.fetchone()
    if inserted is None:
        raise Thread.DoesNotExist(f"No thread {row.thread_id}")  # type: ignore[attr-defined]
    _saved(row, inserted[0], db)


def _saved(row: models.Model, order: int, db: BaseDatabaseWrapper) -> None:
    """The row as save() leaves it."""
    row.order = order  # type: ignore[attr-defined]
    row._state.adding = False
    row._state.db = db.alias


def _now(db: BaseDatabaseWrapper) -> Any:
    """The thread's `updated_at` now, as its parameter."""
    return _plan(Thread, db.alias).convert("updated_at", timezone.now(), db)


def _thread_pk(db: BaseDatabaseWrapper, thread_id: Any) -> Any:
    return _plan(Thread, db.alias).convert(Thread._meta.pk.attname, thread_id, db)


# How a value of each kind of field becomes its parameter, where the ORM's layers
# (to_python, get_prep_value, get_db_prep_value, the backend's adapter) come down to one
# known step for the usual type; anything else goes through the field itself.
_TEXT, _SAME, _INT, _DATETIME, _UUID, _JSON, _FIELD = range(7)
_SLOW = object()
_UUID_TEXT = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")

_KINDS: dict[str, tuple[int, type | None]] = {
    "CharField": (_TEXT, str),
    "TextField": (_TEXT, str),
    "BooleanField": (_SAME, bool),
    "DateTimeField": (_DATETIME, datetime.datetime),
    "UUIDField": (_UUID, UUID),
    "JSONField": (_JSON, dict),
    "IntegerField": (_INT, int),
    "PositiveIntegerField": (_INT, int),
    "BigIntegerField": (_INT, int),
    "PositiveBigIntegerField": (_INT, int),
    "SmallIntegerField": (_INT, int),
    "PositiveSmallIntegerField": (_INT, int),
}


@dataclass(frozen=True)
class _Column:
    field: models.Field
    attname: str
    pre_save: bool  # the field sets its value as it is saved (auto_now…)
    kind: int
    type: type | None  # the value type `kind` takes as is
    internal_type: str


class _Plan:
    """One model's INSERTs and parameter conversion on one database, made once."""

    def __init__(self, model: type[models.Model], alias: str) -> None:
        db = connections[alias]
        quote = db.ops.quote_name
        self.alias = alias
        fields = [f for f in model._meta.local_concrete_fields if f.attname != "order"]
        self.fields = fields
        self.columns = [_column(f, db) for f in fields]
        self.by_attname = {c.attname: c for c in self.columns}
        self.native_uuid = db.features.has_native_uuid_field
        self.sqlite_tz = db.timezone if db.vendor == "sqlite" and settings.USE_TZ else None
        if len(fields) == len(model._meta.local_concrete_fields):
            return  # no position of its own (the thread)
        table, order = quote(model._meta.db_table), quote(model._meta.get_field("order").column)
        names = ", ".join(quote(f.column) for f in fields)
        last_order = quote(_thread_field("last_order").column)
        thread = f"{quote(Thread._meta.db_table)} WHERE {quote(Thread._meta.pk.column)} = %s"
        if db.vendor == "postgresql":
            # Typed where they are selected: a parameter in a SELECT list has no column to
            # take its type from.
            values = ", ".join(f"CAST(%s AS {f.db_type(db)})" for f in fields)
            update = _counter_sql(alias)
            # A WITH query that nothing reads is never run: the setting is joined in (one
            # row).
            lazy = ", a AS (SELECT set_config('synchronous_commit', 'off', true))"
            self.insert_at_end, self.insert_at_end_lazily = (
                f"WITH o AS ({update} RETURNING {last_order}){with_} "  # noqa: S608
                f"INSERT INTO {table} ({names}, {order}) "
                f"SELECT {values}, o.{last_order} FROM o{joined} RETURNING {order}"
                for with_, joined in (("", ""), (lazy, ", a"))
            )
        else:
            marks = ", ".join("%s" for _ in fields)
            self.insert_from_thread = (
                f"INSERT INTO {table} ({names}, {order}) "  # noqa: S608 (model names)
                f"SELECT {marks}, {last_order} + 1 FROM {thread} RETURNING {order}"
            )

    def params(self, row: models.Model, db: BaseDatabaseWrapper) -> list[Any] | None:
        """Exactly `[f.get_db_prep_save(f.pre_save(row, add=True), db) for f in fields]`;
        None when a value is an expression (the ORM makes SQL of it)."""
        values = row.__dict__
        params = []
        for column in self.columns:
            if column.pre_save:
                value = column.field.pre_save(row, add=True)
            elif column.attname in values:
                value = values[column.attname]
            else:
                value = getattr(row, column.attname)
            kind = column.kind
            # The commonest kinds inline: a text, a flag (what _fast would do).
            if (kind == _TEXT and isinstance(value, str)) or (
                kind == _SAME and type(value) is column.type
            ):
                params.append(value)
                continue
            param = self._fast(column, value, db)
            if param is _SLOW:
                if hasattr(value, "resolve_expression"):
                    return None
                param = column.field.get_db_prep_save(value, db)
            params.append(param)
        return params

    def convert(self, attname: str, value: Any, db: BaseDatabaseWrapper) -> Any:
        """One field's parameter for `value`, as get_db_prep_save makes it."""
        column = self.by_attname[attname]
        param = self._fast(column, value, db)
        return column.field.get_db_prep_save(value, db) if param is _SLOW else param

    def _fast(self, column: _Column, value: Any, db: BaseDatabaseWrapper) -> Any:
        """The parameter where the value's type is a usual one for its field, else _SLOW."""
        kind = column.kind
        if kind == _FIELD:
            return _SLOW
        if value is None:
            return None  # every field below prepares None as None
        if kind == _TEXT:
            # A text's subclasses too (a model's choices): the field passes them on as
            # they are.
            return value if isinstance(value, str) else _SLOW
        if type(value) is not column.type:
            if kind == _UUID and type(value) is str and not self.native_uuid:
                # An id written out (the public API's): UUID(value).hex, for the forms
                # that are plainly that.
                return value.replace("-", "").lower() if _UUID_TEXT.fullmatch(value) else _SLOW
            return _SLOW
        if kind == _SAME:
            return value
        if kind == _DATETIME:
            if value.utcoffset() is None:  # naive: the field warns and makes it aware
                return _SLOW
            if self.sqlite_tz is not None:
                # SQLite's adapter: naive in the connection's zone, written out.
                return str(value.astimezone(self.sqlite_tz).replace(tzinfo=None))
            return db.ops.adapt_datetimefield_value(value)
        if kind == _UUID:
            return value if self.native_uuid else value.hex
        if kind == _INT:
            return db.ops.adapt_integerfield_value(value, column.internal_type)
        return db.ops.adapt_json_value(value, column.field.encoder)  # _JSON


def _column(field: models.Field, db: BaseDatabaseWrapper) -> _Column:
    # A relation's parameter is its target's (ForeignKey.get_db_prep_save; None stays None).
    target = field.target_field if type(field) is models.ForeignKey else field
    internal_type = target.get_internal_type()
    kind, type_ = _KINDS.get(internal_type, (_FIELD, None))
    if type(target) not in _SHIPPED or (field.is_relation and target is field):
        # A field class of a project's own may convert in its own way.
        kind, type_ = _FIELD, None
    if kind == _INT and type(db.ops).adapt_integerfield_value is _BASE_ADAPT_INT:
        kind = _SAME  # the backend passes integers on as they are
    return _Column(field, field.attname, _sets_value_on_save(field), kind, type_, internal_type)


_SHIPPED = frozenset(
    {
        models.CharField, models.TextField, models.BooleanField, models.DateTimeField,
        models.UUIDField, models.JSONField, models.IntegerField, models.PositiveIntegerField,
        models.BigIntegerField, models.PositiveBigIntegerField, models.SmallIntegerField,
        models.PositiveSmallIntegerField,
    }
)  # fmt: skip
_BASE_ADAPT_INT = BaseDatabaseOperations.adapt_integerfield_value


def _sets_value_on_save(field: models.Field) -> bool:
    pre_save = type(field).pre_save
    if pre_save is models.Field.pre_save:
        return False
    if pre_save in (models.DateField.pre_save, models.DateTimeField.pre_save):
        return bool(field.auto_now or field.auto_now_add)
    return True


@functools.cache
def _plan(model: type[models.Model], alias: str) -> _Plan:
    return _Plan(model, alias)


@functools.cache
def _counter_sql(alias: str, *, given: bool = False) -> str:
    """The thread's counter moved on to its next position (parameters: the time, the
    thread), or to the one `given` (parameters: the position, the time, the thread)."""
    quote = connections[alias].ops.quote_name
    last_order = quote(_thread_field("last_order").column)
    to = "%s" if given else f"{last_order} + 1"
    return (
        f"UPDATE {quote(Thread._meta.db_table)} SET {last_order} = {to}, "  # noqa: S608
        f"{quote(_thread_field('updated_at').column)} = %s "
        f"WHERE {quote(Thread._meta.pk.column)} = %s"
    )


def _thread_field(name: str) -> models.Field:
    return Thread._meta.get_field(name)  # type: ignore[return-value]
