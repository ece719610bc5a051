"""Redis pub/sub for the channel layer: one connection that listens, one client that publishes.

`Subscriber` holds a single connection in Redis's pub/sub mode and the task that reads it:
what arrives is handed to a callback as it comes (no polling, no command per message), and
a SUBSCRIBE is confirmed before `subscribe` returns, so nothing published after a socket
joined its group can be missed. It makes no connection again by itself: when the
connection is lost (or Redis stays silent through a ping) it says so once through
`on_lost`, and whoever owns it decides what to make again.

`Publisher` sends PUBLISH commands in order through one client; those that callers ask for
while one round trip is under way leave together in the next one (a pipeline), so a
thousand answers streaming at once cost a few round trips a frame, not a thousand.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from redis import exceptions as redis_errors
from redis.asyncio import ConnectionPool, Redis

logger = logging.getLogger(__name__)

# What a Redis that went away raises (a refused or reset connection, a timeout).
REDIS_ERRORS = (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError)
# Channels per SUBSCRIBE when many are made again at once.
SUBSCRIBE_BATCH = 1000


def _retrieve(future: asyncio.Future[Any]) -> None:
    # Marks an error as seen: nobody may be left waiting on a confirmation that failed.
    if not future.cancelled():
        future.exception()


class Subscriber:
    """One connection in pub/sub mode, read by a task of its own."""

    def __init__(
        self,
        pool: ConnectionPool,
        on_message: Callable[[bytes, bytes], None],
        on_lost: Callable[[Exception], None],
        quiet_seconds: float,
    ) -> None:
        self._pool = pool
        self._on_message = on_message
        self._on_lost = on_lost
        self._quiet_seconds = quiet_seconds
        self._connection: Any = None
        self._reader: asyncio.Task[None] | None = None
        # SUBSCRIBEs sent and not yet confirmed, per Redis channel, in the order sent.
        self._unconfirmed: dict[bytes, deque[asyncio.Future[None]]] = {}
        self.lost = False

    async def connect(self, within: float) -> None:
        # RESP2: what is published arrives as plain replies on this connection; and
        # nothing of redis-py's maintenance notifications, which need RESP3.
        kwargs = {
            key: value
            for key, value in self._pool.connection_kwargs.items()
            if not key.startswith("maint_notifications")
        }
        kwargs["protocol"] = 2
        connection = self._pool.connection_class(**kwargs)
        try:
            # The handshake (AUTH, SELECT) reads without a socket timeout.
            await asyncio.wait_for(connection.connect(), within)
        except TimeoutError:
            connection._force_disconnect()
            raise redis_errors.TimeoutError("Redis did not answer the handshake") from None
        self._connection = connection
        self._reader = asyncio.get_running_loop().create_task(
            self._read(connection), name="redis-subscriber"
        )

    async def subscribe(self, *names: bytes) -> None:
        """Subscribes and returns once Redis has confirmed every one; raises if the
        connection is lost meanwhile."""
        waits = [self._expect(name) for name in names]
        for start in range(0, len(names), SUBSCRIBE_BATCH):
            await self._send("SUBSCRIBE", *names[start : start + SUBSCRIBE_BATCH])
        for wait in waits:
            await asyncio.shield(wait)

    async def unsubscribe(self, name: bytes) -> None:
        await self._send("UNSUBSCRIBE", name)

    def _expect(self, name: bytes) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_retrieve)
        self._unconfirmed.setdefault(name, deque()).append(future)
        return future

    async def _send(self, *command: Any) -> None:
        connection = self._connection
        # redis-py would connect again by itself, silently and without the subscriptions.
        if self.lost or connection is None or not connection.is_connected:
            raise redis_errors.ConnectionError("the subscriber's connection is closed")
        await connection.send_command(*command, check_health=False)

    async def _read(self, connection: Any) -> None:
        pinged = False
        try:
            while True:
                reply = await connection.read_response(timeout=self._quiet_seconds)
                if reply is None:
                    # Quiet for a while: a Redis behind a silent network partition would
                    # leave this read waiting for good, so it is asked for a pong.
                    if pinged:
                        raise redis_errors.TimeoutError("Redis did not answer a ping")
                    pinged = True
                    await connection.send_command("PING", check_health=False)
                    continue
                pinged = False
                kind = reply[0]
                if kind == b"message":
                    self._on_message(reply[1], reply[2])
                elif kind == b"subscribe":
                    waiting = self._unconfirmed.get(reply[1])
                    if waiting:
                        confirmed = waiting.popleft()
                        if not waiting:
                            del self._unconfirmed[reply[1]]
                        if not confirmed.done():
                            confirmed.set_result(None)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            # Redis refusing a subscription (an ACL) or a reply this code cannot read
            # is as bad as a lost connection: what follows on it cannot be trusted.
            if not isinstance(error, (redis_errors.RedisError, OSError)):
                logger.exception("The channel layer's subscriber read a reply it cannot use")
            self._fail(error)
            self._on_lost(error)

    def _fail(self, error: Exception) -> None:
        self.lost = True
        for waiting in self._unconfirmed.values():
            for future in waiting:
                if not future.done():
                    future.set_exception(error)
        self._unconfirmed.clear()
        if self._connection is not None:
            # The socket only: nothing to await, nothing to send to a Redis that is gone.
            self._connection._force_disconnect()

    async def close(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None and not reader.done():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        self._fail(redis_errors.ConnectionError("closed"))
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.disconnect(nowait=True)
            self._connection = None


class Publisher:
    """PUBLISH, in the order asked, batched while a round trip is under way."""

    def __init__(self, client: Redis) -> None:
        self._client = client
        self._outbox: list[tuple[bytes, bytes, asyncio.Future[None]]] = []
        self._sender: asyncio.Task[None] | None = None
        # Asked for and not yet answered by Redis.
        self.unsent = 0

    def publish(self, name: bytes, payload: bytes) -> asyncio.Future[None]:
        """Queues it; the future is done once Redis took it, or has Redis's error."""
        loop = asyncio.get_running_loop()
        sent: asyncio.Future[None] = loop.create_future()
        self._outbox.append((name, payload, sent))
        self.unsent += 1
        if self._sender is None or self._sender.done():
            self._sender = loop.create_task(self._send(), name="redis-publisher")
        return sent

    async def _send(self) -> None:
        while self._outbox:
            batch, self._outbox = self._outbox, []
            try:
                if len(batch) == 1:
                    await self._client.publish(batch[0][0], batch[0][1])
                else:
                    pipe = self._client.pipeline(transaction=False)
                    for name, payload, _ in batch:
                        pipe.publish(name, payload)
                    await pipe.execute()
            except BaseException as error:
                for _, _, sent in batch:
                    if not sent.done():
                        sent.set_exception(error)
                if not isinstance(error, Exception):
                    raise
            else:
                for _, _, sent in batch:
                    if not sent.done():
                        sent.set_result(None)
            finally:
                self.unsent -= len(batch)

    async def close(self) -> None:
        sender, self._sender = self._sender, None
        if sender is not None and not sender.done():
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
        for _, _, sent in self._outbox:
            if not sent.done():
                sent.cancel()
        self._outbox = []
        self.unsent = 0
