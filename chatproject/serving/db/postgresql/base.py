"""PostgreSQL, as Django's, with the query log of DEBUG only on request (see serving.db),
a connection the server dropped replaced on its next use, and prepared statements for
the few statements every message sends.

Django replaces a broken connection only when a request (or a websocket frame) starts or
ends. Work that runs beside them (a streamed answer's saves, a job's heartbeat) would go
on using a connection the server terminated (a failover, an administrator, an idle
timeout) and fail on every query until the next frame came. Before each use, a connection
that is idle and has something to read (PostgreSQL sends its reason, then closes) is
checked, and replaced if it is gone. A poll of the socket: no trip to the server.
"""

from __future__ import annotations

import select
from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.backends.utils import CursorWrapper
from psycopg.pq import Format, TransactionStatus

from chatproject.serving.db import QueryLogOnRequest


class ReplacesLostConnection:
    connection: object | None
    in_atomic_block: bool

    def ensure_connection(self) -> None:
        if self.connection is not None and not self.in_atomic_block and self._lost():
            self.close()
        super().ensure_connection()

    def _lost(self) -> bool:
        raw = self.connection
        if raw.closed:
            return True
        if raw.info.transaction_status != TransactionStatus.IDLE:
            return False  # a transaction is open: it fails and is tidied as usual
        # poll, not select: select refuses descriptors from 1024 on, which a process with
        # a thousand websockets open gives its database connections.
        poller = select.poll()
        try:
            poller.register(raw.fileno(), select.POLLIN)
            events = poller.poll(0)
        except OSError:
            return True  # no socket any more
        # Something to read while idle (the server's goodbye, or a harmless notice), or
        # the socket hung up.
        return bool(events) and not self.is_usable()


class PreparingCursor(base.ServerBindingCursor):
    """Sends its parameters apart from the statement, which PostgreSQL parses and plans
    once per connection and then only runs. Django's own cursors put the values into the
    text (client-side binding), so PostgreSQL parses and plans every statement anew: for a
    message's position and row, 0.3 ms of a 0.45 ms statement here (bench/README.md)."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        return super().execute(query, params, prepare=True, **kwargs)


# Given as the cursor's "name" to tell create_cursor which cursor is wanted.
_PREPARED = object()


class PreparesStatements:
    """`prepared_cursor()`: a cursor for a hot statement whose SQL text is the same each
    time, its values parameters (each shape is prepared once per connection, psycopg
    keeping the last hundred). Django's cursor when prepared statements are off
    (DB_PREPARED_STATEMENTS: a pooler that shares server connections between clients
    without tracking them would run a statement prepared on another)."""

    connection: Any
    timezone: Any

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        # Django turns psycopg's preparing off (None), which refuses even a statement asked
        # to be prepared; Django's own cursors bind on the client and never prepare
        # whatever this says, so only PreparingCursor's statements are.
        if settings.DB_PREPARED_STATEMENTS and params.get("prepare_threshold") is None:
            params["prepare_threshold"] = 5
        return params

    def prepared_cursor(self) -> CursorWrapper:
        if not settings.DB_PREPARED_STATEMENTS:
            return self.cursor()
        return self._cursor(_PREPARED)

    def create_cursor(self, name: Any = None) -> Any:
        if name is not _PREPARED:
            return super().create_cursor(name)
        cursor = PreparingCursor(self.connection)
        # As Django's create_cursor: times read in the connection's time zone.
        loader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT)
        if self.timezone != loader.timezone:
            register_tzloader(self.timezone, cursor)
        return cursor


class DatabaseWrapper(
    PreparesStatements, ReplacesLostConnection, QueryLogOnRequest, base.DatabaseWrapper
):
    pass
