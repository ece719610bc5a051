"""PostgreSQL, as Django's, with the query log of DEBUG only on request (see serving.db),
and a connection the server dropped replaced on its next use.

Django replaces a broken connection only when a request (or a websocket frame) starts or
ends. Work that runs beside them (a streamed answer's saves, a job's heartbeat) would go
on using a connection the server terminated (a failover, an administrator, an idle
timeout) and fail on every query until the next frame came. Before each use, a connection
that is idle and has something to read (PostgreSQL sends its reason, then closes) is
checked, and replaced if it is gone. A poll of the socket: no trip to the server.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

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


class DatabaseWrapper(ReplacesLostConnection, QueryLogOnRequest, base.DatabaseWrapper):
    pass
