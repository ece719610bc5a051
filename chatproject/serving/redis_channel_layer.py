"""The Redis channel layer of the services backend: this process's sockets without Redis,
other processes' through Redis pub/sub, and an outage ridden out.

channels_redis's default layer keeps each channel's messages in a sorted set: a group send
there is four round trips to Redis (expire the group, read it, expire each member's queue,
a Lua script), and each socket then pops its message with BZPOPMIN and three more
commands; about 30 round trips for an echo's five frames, one after the other. A frame
for a socket of the same process (nearly all of them: the tab that asked) waited on all
of that. Here:

- a group send hands the message to this process's members at once, as the in-memory
  layer does, then PUBLISHes it once for the other processes (each subscribed to the
  groups its sockets are in; a process drops what it published itself);
- a send to a channel of this process never leaves it; one for another process is
  PUBLISHed to that process's inbox;
- messages arrive pushed on one connection per process (see `redis_pubsub`): no polling,
  no command per message received.

Delivery to another process is at most once, as over Redis before: the database is the
source of truth, and a tab that missed frames catches up from it (the final render of an
answer, a reconnect's snapshot, or `layer.recovered` below).

While Redis is away:
- a message for a group or a channel reaches the members in this process (its sockets
  keep their live updates, and Stop and answers to questions asked here still work); other
  processes miss it, and their tabs catch up from the database when Redis is back;
- `receive` waits for messages as always (they never came through Redis for this process's
  own sends);
- group memberships are remembered, and subscribed again as soon as Redis answers;
- the outage is logged once when it starts and once when it ends, not once per frame.
When Redis is back, each channel of this process in a group gets a `layer.recovered`
message, so that its consumer can catch up on what other processes did meanwhile.

Pub/sub channels are one namespace for every database of a Redis server, so the names
carry the database number as well as the layer's prefix.

Checked by `tests/chatproject/serving/test_redis_channel_layer.py` and
`tests/test_redis_outage.py` (Redis stopped and started under two instances with answers
streaming); counted by `bench/message_cost.py --services`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
import types
import uuid
from typing import Any

from channels.layers import BaseChannelLayer
from channels_redis.serializers import registry
from channels_redis.utils import create_pool, decode_hosts
from django.core.exceptions import ImproperlyConfigured
from prometheus_client import Counter
from redis import exceptions as redis_errors
from redis.asyncio import Redis

from chatproject.serving.channel_layers import Mailbox, copied
from chatproject.serving.redis_pubsub import REDIS_ERRORS, Publisher, Subscriber

logger = logging.getLogger(__name__)

RECOVERED = "layer.recovered"
FIRST_PROBE_SECONDS = 0.25
LONGEST_PROBE_SECONDS = 1.0  # a ping a second while away: back within a second
# How long the subscriber's connection may stay quiet before Redis is asked for a pong.
DEFAULT_QUIET_SECONDS = 30.0
ORIGIN_BYTES = 12  # the publishing event loop's id, ahead of each published message
# Sends a serving loop leaves to the publisher without waiting; past this, they wait.
UNAWAITED_BACKLOG = 1000

# What a send, a join or a leave may meet: Redis away, or refusing (an ACL, a replica).
FAILURES = (redis_errors.RedisError, OSError)

send_failures = Counter(
    "chat_channel_layer_send_failures",
    "Sends Redis did not take (delivered to this process's sockets only).",
)


async def _quietly(closing: Any) -> None:
    # Closing what Redis left behind: its errors say nothing new.
    with contextlib.suppress(Exception):
        await closing


class _Loop:
    """The layer as one event loop uses it: its connections, channels and groups."""

    def __init__(self, layer: ResilientRedisChannelLayer) -> None:
        self.id = uuid.uuid4().hex[:ORIGIN_BYTES]
        self.origin = self.id.encode()
        self.pool = create_pool(layer.host)
        self.client = Redis(connection_pool=self.pool)
        self.publisher = Publisher(self.client)
        self.subscriber: Subscriber | None = None
        self.connecting = asyncio.Lock()
        # Whether this loop receives at all (a signal receiver's only sends).
        self.listens = False
        # The server's loop runs on the main thread and lives as long as the process;
        # async_to_sync makes a loop on another thread for one call (a worker's job,
        # sync code), which closes as soon as the call returns.
        self.long_lived = threading.current_thread() is threading.main_thread()
        self.mailboxes: dict[str, Mailbox] = {}
        self.groups: dict[str, set[str]] = {}
        # General channels (no "!") this loop receives on.
        self.general: set[str] = set()
        # Redis channels subscribed (or being subscribed) on the current connection.
        self.subscribed: dict[bytes, asyncio.Future[None]] = {}
        self.down_since: float | None = None
        self.probe: asyncio.Task[None] | None = None
        # Connections being closed after an outage began (kept: a task needs an owner).
        self.closing: set[asyncio.Future[None]] = set()

    async def close(self) -> None:
        if self.probe is not None and not self.probe.done():
            self.probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.probe
        if self.subscriber is not None:
            await self.subscriber.close()
            self.subscriber = None
        await self.publisher.close()
        with contextlib.suppress(Exception):
            await self.client.aclose(close_connection_pool=True)


class ResilientRedisChannelLayer(BaseChannelLayer):
    extensions = ["groups", "flush"]

    def __init__(
        self,
        hosts: Any = None,
        prefix: str = "asgi",
        expiry: int = 60,
        capacity: int = 100,
        channel_capacity: dict[str, int] | None = None,
        symmetric_encryption_keys: Any = None,
        serializer_format: str = "msgpack",
        **unused: Any,
    ) -> None:
        super().__init__(expiry=expiry, capacity=capacity, channel_capacity=channel_capacity)
        self.channel_capacity = self.compile_capacities(channel_capacity or {})
        decoded = decode_hosts(hosts)
        if len(decoded) != 1:
            raise ImproperlyConfigured("The Redis channel layer takes exactly one Redis host.")
        self.host = decoded[0]
        self.prefix = prefix
        db = create_pool(self.host).connection_kwargs.get("db", 0)
        self._names = f"{prefix}:{db}:".encode()
        self._serializer = registry.get_serializer(
            serializer_format, symmetric_encryption_keys=symmetric_encryption_keys
        )
        self.quiet_seconds = float(self.host.get("health_check_interval") or DEFAULT_QUIET_SECONDS)
        self._loops: dict[asyncio.AbstractEventLoop, _Loop] = {}

    # -- state per event loop --------------------------------------------------------------
    def _state(self) -> _Loop:
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            state = self._loops[loop] = _Loop(self)
            self._close_with(loop)
        return state

    def _close_with(self, loop: asyncio.AbstractEventLoop) -> None:
        """Closes a loop's connections when the loop closes (async_to_sync makes a loop
        per call in sync code: a worker's job, a signal receiver)."""
        close = loop.close
        layer = self

        def closing(self: asyncio.AbstractEventLoop, *args: Any, **kwargs: Any) -> None:
            state = layer._loops.pop(loop, None)
            if state is not None and not loop.is_closed():
                with contextlib.suppress(Exception):
                    loop.run_until_complete(state.close())
            loop.close = close  # type: ignore[method-assign]
            close(*args, **kwargs)

        loop.close = types.MethodType(closing, loop)  # type: ignore[method-assign]

    @property
    def reachable(self) -> bool:
        """Whether Redis answered the last time this event loop asked it."""
        return self._state().down_since is None

    def connection(self, index: int = 0) -> Redis:
        """This loop's client (the readiness check pings it)."""
        return self._state().client

    # -- names ------------------------------------------------------------------------------
    def _group_name(self, group: str) -> bytes:
        return self._names + b"g:" + group.encode()

    def _inbox_name(self, loop_id: str) -> bytes:
        return self._names + b"i:" + loop_id.encode()

    def _general_name(self, channel: str) -> bytes:
        return self._names + b"c:" + channel.encode()

    @staticmethod
    def _loop_of(channel: str) -> str:
        """The id of the event loop a specific channel ("specific.<loop>!<id>") lives on."""
        return channel[: channel.index("!")].rpartition(".")[2]

    def serialize(self, message: dict[str, Any]) -> bytes:
        return self._serializer.serialize(message)

    def deserialize(self, data: bytes) -> dict[str, Any]:
        return self._serializer.deserialize(data)

    # -- the layer's interface --------------------------------------------------------------
    async def new_channel(self, prefix: str = "specific") -> str:
        state = self._state()
        channel = f"{prefix.rstrip('.')}.{state.id}!{uuid.uuid4().hex}"
        state.mailboxes[channel] = Mailbox(self.get_capacity(channel))
        await self._listen(state)
        return channel

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        if not isinstance(message, dict) or "__asgi_channel__" in message:
            raise TypeError("A channel message is a dict without __asgi_channel__.")
        self.require_valid_channel_name(channel)
        state = self._state()
        if "!" in channel:
            loop_id = self._loop_of(channel)
            if loop_id == state.id:
                self._deliver(state, channel, copied(message))
                return
            name = self._inbox_name(loop_id)
            message = {**message, "__asgi_channel__": channel}
        else:
            if channel in state.general:
                self._deliver(state, channel, copied(message))
            name = self._general_name(channel)
        await self._publish(state, name, message)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        if not isinstance(message, dict):
            raise TypeError("A channel message is a dict.")
        self.require_valid_group_name(group)
        state = self._state()
        for channel in list(state.groups.get(group, ())):
            self._deliver(state, channel, copied(message))
        await self._publish(state, self._group_name(group), message)

    async def group_add(self, group: str, channel: str) -> None:
        self.require_valid_group_name(group)
        self.require_valid_channel_name(channel)
        state = self._state()
        if "!" not in channel or self._loop_of(channel) != state.id:
            raise ValueError(
                "group_add() takes a channel of this process (from new_channel()), "
                "as its messages come to the process that listens."
            )
        members = state.groups.get(group)
        if members is None:
            members = state.groups[group] = set()
        members.add(channel)
        if channel not in state.mailboxes:
            state.mailboxes[channel] = Mailbox(self.get_capacity(channel))
        await self._listen(state, self._group_name(group))

    async def group_discard(self, group: str, channel: str) -> None:
        self.require_valid_group_name(group)
        state = self._state()
        members = state.groups.get(group)
        if members is None:
            return
        members.discard(channel)
        if not members:
            del state.groups[group]
            await self._unlisten(state, self._group_name(group))

    async def receive(self, channel: str) -> dict[str, Any]:
        self.require_valid_channel_name(channel)
        state = self._state()
        mailbox = state.mailboxes.get(channel)
        if mailbox is None:
            if "!" in channel and self._loop_of(channel) != state.id:
                raise ValueError("receive() takes a channel of this process")
            mailbox = state.mailboxes[channel] = Mailbox(self.get_capacity(channel))
            if "!" not in channel:
                state.general.add(channel)
                await self._listen(state, self._general_name(channel))
        try:
            return await mailbox.get()
        except asyncio.CancelledError:
            # The consumer is gone (Channels cancels its receive when the socket closes):
            # its mailbox goes too, and what comes for it later is dropped.
            if state.mailboxes.get(channel) is mailbox and not mailbox._waiters:
                del state.mailboxes[channel]
                if channel in state.general:
                    state.general.discard(channel)
                    await self._unlisten(state, self._general_name(channel))
            raise

    async def flush(self) -> None:
        """Forgets this loop's channels and groups and closes its connections."""
        state = self._loops.pop(asyncio.get_running_loop(), None)
        if state is not None:
            await state.close()

    async def close_pools(self) -> None:
        await self.flush()

    # -- this process -----------------------------------------------------------------------
    def _deliver(self, state: _Loop, channel: str, message: dict[str, Any]) -> None:
        mailbox = state.mailboxes.get(channel)
        if mailbox is None:
            return  # its consumer is gone
        # A full socket misses this frame, as over Redis; its page catches up from the
        # database.
        with contextlib.suppress(asyncio.QueueFull):
            mailbox.put_nowait(message)

    def _received(self, state: _Loop, name: bytes, data: bytes) -> None:
        """What another loop published, as the subscriber reads it."""
        if data[:ORIGIN_BYTES] == state.origin:
            return  # published here, and delivered here already
        kind = name[len(self._names) : len(self._names) + 2]
        key = name[len(self._names) + 2 :].decode()
        if kind == b"g:":
            members = state.groups.get(key)
            if not members:
                return
            message = self.deserialize(data[ORIGIN_BYTES:])
            for channel in list(members):
                self._deliver(state, channel, copied(message))
        elif kind == b"i:":
            message = self.deserialize(data[ORIGIN_BYTES:])
            self._deliver(state, message.pop("__asgi_channel__", ""), message)
        elif kind == b"c:":
            self._deliver(state, key, self.deserialize(data[ORIGIN_BYTES:]))

    # -- Redis --------------------------------------------------------------------------------
    async def _publish(self, state: _Loop, name: bytes, message: dict[str, Any]) -> None:
        if state.down_since is not None:
            send_failures.inc()
            return
        sent = state.publisher.publish(name, state.origin + self.serialize(message))
        if state.listens and state.long_lived and state.publisher.unsent <= UNAWAITED_BACKLOG:
            # The loop that serves sockets lives on: its sends go on without waiting for
            # Redis's answer (this process's members have the message already; the next
            # frame need not wait a round trip), and a failure is noticed when it comes.
            sent.add_done_callback(functools.partial(self._published, state))
            return
        # A loop that async_to_sync made (a job's) closes right after its call, and
        # a backlog means Redis is slow: wait, but not for good, since a Redis gone
        # silent (no socket timeout, see settings) would hold the sender forever.
        try:
            await asyncio.wait_for(sent, self.quiet_seconds)
        except TimeoutError:
            send_failures.inc()
            self._went_away(state, TimeoutError("Redis did not take a message in time"))
        except FAILURES as error:
            send_failures.inc()
            self._went_away(state, error)

    def _published(self, state: _Loop, sent: asyncio.Future[None]) -> None:
        if sent.cancelled() or sent.exception() is None:
            return
        send_failures.inc()
        error = sent.exception()
        if isinstance(error, FAILURES):
            self._went_away(state, error)

    async def _listen(self, state: _Loop, name: bytes | None = None) -> None:
        """Makes sure this loop's subscriber hears its inbox (and `name`), once Redis has
        confirmed it; while Redis is away, only remembers (the probe subscribes)."""
        state.listens = True
        if state.down_since is not None:
            return
        try:
            if state.subscriber is None:
                async with state.connecting:
                    if state.subscriber is None and state.down_since is None:
                        subscriber = self._subscriber(state)
                        await subscriber.connect(self.quiet_seconds)
                        state.subscriber = subscriber
                        inbox = self._inbox_name(state.id)
                        state.subscribed[inbox] = asyncio.ensure_future(subscriber.subscribe(inbox))
            if state.subscriber is None:
                return
            subscribing = [state.subscribed.get(self._inbox_name(state.id))]
            if name is not None:
                task = state.subscribed.get(name)
                if task is None:
                    task = state.subscribed[name] = asyncio.ensure_future(
                        state.subscriber.subscribe(name)
                    )
                subscribing.append(task)
            for task in subscribing:
                if task is not None:
                    await asyncio.shield(task)
        except FAILURES as error:
            self._went_away(state, error)

    async def _unlisten(self, state: _Loop, name: bytes) -> None:
        if state.subscribed.pop(name, None) is None or state.subscriber is None:
            return
        try:
            await state.subscriber.unsubscribe(name)
        except FAILURES as error:
            self._went_away(state, error)

    def _subscriber(self, state: _Loop) -> Subscriber:
        def lost(error: Exception) -> None:
            if state.subscriber is subscriber:
                self._went_away(state, error)

        subscriber = Subscriber(
            state.pool,
            lambda name, data: self._received(state, name, data),
            lost,
            self.quiet_seconds,
        )
        return subscriber

    # -- outages ------------------------------------------------------------------------------
    def _went_away(self, state: _Loop, error: BaseException) -> None:
        if state.down_since is not None:
            return
        state.down_since = time.monotonic()
        for task in state.subscribed.values():
            # Their errors are the outage's; nobody need read them.
            task.add_done_callback(lambda done: done.cancelled() or done.exception())
        state.subscribed.clear()
        closing = [state.pool.disconnect(inuse_connections=True)]
        if state.subscriber is not None:
            subscriber, state.subscriber = state.subscriber, None
            closing.append(subscriber.close())
        # A send waiting on a connection gone silent gets its error now.
        for close in closing:
            task = asyncio.ensure_future(_quietly(close))
            state.closing.add(task)
            task.add_done_callback(state.closing.discard)
        logger.warning(
            "Redis is unreachable (%s: %s): live updates reach only this process's sockets "
            "until it is back",
            type(error).__name__,
            error,
        )
        state.probe = asyncio.get_running_loop().create_task(
            self._wait_until_back(state), name="redis-probe"
        )

    async def _wait_until_back(self, state: _Loop) -> None:
        delay = FIRST_PROBE_SECONDS
        refused = False
        while True:
            await asyncio.sleep(delay)
            try:
                # Bounded: a Redis behind a silent partition would leave it waiting.
                await asyncio.wait_for(self._come_back(state), self.quiet_seconds)
            except REDIS_ERRORS:  # TimeoutError among them
                await self._drop_subscriber(state)
            except Exception as error:
                # A Redis that answers but refuses (a password changed, an ACL): retried
                # like one that is away, or this process would stay local-only for good.
                await self._drop_subscriber(state)
                if not refused:
                    refused = True
                    logger.warning(
                        "Redis answers but refuses this process's subscriptions "
                        "(%s: %s): retrying until it accepts",
                        type(error).__name__,
                        error,
                    )
            else:
                break
            delay = min(delay * 2, LONGEST_PROBE_SECONDS)
        away = time.monotonic() - (state.down_since or time.monotonic())
        state.down_since = None
        state.probe = None
        channels = {channel for members in state.groups.values() for channel in members}
        for channel in channels:
            self._deliver(state, channel, {"type": RECOVERED})
        logger.warning(
            "Redis is back after %.1f s; %d group memberships made again",
            away,
            sum(len(members) for members in state.groups.values()),
        )

    async def _come_back(self, state: _Loop) -> None:
        await state.client.ping()
        if state.listens:
            await self._subscribe_again(state)

    async def _subscribe_again(self, state: _Loop) -> None:
        """A new subscriber, subscribed to everything this loop listens to, until nothing
        changed meanwhile.

        Sockets join and leave while this awaits Redis, and those changes go only to the
        loop's groups until it is marked back, so one pass over a snapshot would miss
        them. Returns with nothing awaited after the last comparison: the caller marks the
        loop back before any other join can run.
        """
        subscriber = self._subscriber(state)
        await subscriber.connect(self.quiet_seconds)
        state.subscriber = subscriber
        made: set[bytes] = set()
        while True:
            wanted = {self._inbox_name(state.id)}
            wanted.update(self._group_name(group) for group in state.groups)
            wanted.update(self._general_name(channel) for channel in state.general)
            if wanted == made:
                break
            new = sorted(wanted - made)
            if new:
                await subscriber.subscribe(*new)
                made.update(new)
            for name in made - wanted:
                await subscriber.unsubscribe(name)
                made.discard(name)
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        state.subscribed = {name: done for name in made}

    async def _drop_subscriber(self, state: _Loop) -> None:
        if state.subscriber is not None:
            subscriber, state.subscriber = state.subscriber, None
            await subscriber.close()
