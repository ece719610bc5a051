"""The Redis channel layer of the services backend, made to ride out a Redis outage.

channels_redis raises on every call while Redis is away: each socket's consumer dies
(close 1011) and its open is refused again at once, every push fails the hook that made
it, and the group memberships that a Redis restarted without persistence has forgotten
are never made again, so the sockets and the run control of a process hear nothing
after it is back until the process restarts.

Here, while Redis is away:
- a message for a group or a channel reaches the members in this process (its sockets
  keep their live updates, and Stop and answers to questions asked here still work); other
  processes miss it, and their tabs catch up from the database when Redis is back;
- `receive` waits for those local messages instead of failing;
- group memberships are remembered, and made again in Redis as soon as it answers;
- the outage is logged once when it starts and once when it ends, not once per frame.
When Redis is back, each channel of this process in a group gets a `layer.recovered`
message, so that its consumer can catch up on what other processes did meanwhile.

Checked by `tests/test_redis_outage.py` (Redis stopped and started under two instances
with answers streaming).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections import defaultdict
from typing import Any

from channels_redis.core import RedisChannelLayer
from prometheus_client import Counter
from redis import exceptions as redis_errors

logger = logging.getLogger(__name__)

# What a Redis that went away raises (a refused or reset connection, a timeout).
REDIS_ERRORS = (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError)
RECOVERED = "layer.recovered"
FIRST_PROBE_SECONDS = 0.25
LONGEST_PROBE_SECONDS = 1.0  # a ping a second while away: back within a second

send_failures = Counter(
    "chat_channel_layer_send_failures",
    "Sends Redis did not take (delivered to this process's sockets only).",
)


class _LoopState:
    """Whether Redis answers, as one event loop saw it, and what waits meanwhile."""

    def __init__(self) -> None:
        self.down_since: float | None = None
        self.back = asyncio.Event()
        self.back.set()
        # Messages for this process's channels that Redis could not carry.
        self.local: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        self.probe: asyncio.Task[None] | None = None


class ResilientRedisChannelLayer(RedisChannelLayer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The groups this process's channels are in: made again after an outage.
        self.memberships: defaultdict[str, set[str]] = defaultdict(set)
        self._states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = (
            weakref.WeakKeyDictionary()
        )

    def _state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        state = self._states.get(loop)
        if state is None:
            state = self._states[loop] = _LoopState()
        return state

    @property
    def reachable(self) -> bool:
        """Whether Redis answered the last time this event loop asked it."""
        return self._state().down_since is None

    # -- outages -------------------------------------------------------------------------
    def _went_away(self, error: BaseException) -> None:
        state = self._state()
        if state.down_since is not None:
            return
        state.down_since = time.monotonic()
        state.back = asyncio.Event()
        logger.warning(
            "Redis is unreachable (%s: %s): live updates reach only this process's sockets "
            "until it is back",
            type(error).__name__,
            error,
        )
        state.probe = asyncio.get_running_loop().create_task(
            self._wait_until_back(state), name="redis-probe"
        )

    async def _wait_until_back(self, state: _LoopState) -> None:
        delay = FIRST_PROBE_SECONDS
        refused = False
        while True:
            await asyncio.sleep(delay)
            try:
                await self.connection(0).ping()
                await self._restore_memberships()
            except REDIS_ERRORS:
                pass
            except Exception as error:
                # A Redis that answers but refuses (READONLY during a failover, OOM,
                # MISCONF): retried like one that is away, or this process would stay
                # local-only for good.
                if not refused:
                    refused = True
                    logger.warning(
                        "Redis answers but refuses to take this process's groups back "
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
        channels = {channel for members in self.memberships.values() for channel in members}
        # Queues of channels that left every group meanwhile would never be read.
        for channel in list(state.local):
            if channel not in channels:
                del state.local[channel]
        for channel in channels:
            self._deliver_locally(channel, {"type": RECOVERED})
        state.back.set()
        logger.warning(
            "Redis is back after %.1f s; %d group memberships made again",
            away,
            sum(len(members) for members in self.memberships.values()),
        )

    async def _restore_memberships(self) -> None:
        """Makes the remembered memberships in Redis until none changed meanwhile.

        Sockets join and leave while this awaits Redis, and those changes go only to
        `memberships` until the layer is marked back, so one pass over a snapshot would
        miss them. Returns with nothing awaited after the last comparison: the caller
        marks the layer back before any other join can run.
        """
        made: set[tuple[str, str]] = set()
        while True:
            wanted = {
                (group, channel)
                for group, members in self.memberships.items()
                for channel in members
            }
            if wanted == made:
                return
            for group, channel in wanted - made:
                await super().group_add(group, channel)
                made.add((group, channel))
            for group, channel in made - wanted:
                await super().group_discard(group, channel)
                made.discard((group, channel))

    def _is_local(self, channel: str) -> bool:
        return "!" in channel and self.non_local_name(channel).endswith(self.client_prefix + "!")

    def _deliver_locally(self, channel: str, message: dict[str, Any]) -> None:
        if not self._is_local(channel):
            return
        state = self._state()
        queue = state.local.get(channel)
        if queue is None:
            queue = state.local[channel] = asyncio.Queue(maxsize=self.capacity)
        # A full socket misses this frame, as when Redis is there; its page catches up
        # from the database.
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait(dict(message))

    # -- the layer's interface -------------------------------------------------------------
    async def send(self, channel: str, message: dict[str, Any]) -> None:
        if self.reachable:
            try:
                await super().send(channel, message)
                return
            except REDIS_ERRORS as error:
                self._went_away(error)
        send_failures.inc()
        self._deliver_locally(channel, message)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        if self.reachable:
            try:
                await super().group_send(group, message)
                return
            except REDIS_ERRORS as error:
                self._went_away(error)
        send_failures.inc()
        for channel in list(self.memberships.get(group, ())):
            self._deliver_locally(channel, message)

    async def group_add(self, group: str, channel: str) -> None:
        self.memberships[group].add(channel)
        if self.reachable:
            try:
                await super().group_add(group, channel)
            except REDIS_ERRORS as error:
                self._went_away(error)

    async def group_discard(self, group: str, channel: str) -> None:
        members = self.memberships.get(group)
        if members is not None:
            members.discard(channel)
            if not members:
                del self.memberships[group]
        state = self._state()
        queue = state.local.get(channel)
        if queue is not None and queue.empty():
            del state.local[channel]
        if self.reachable:
            try:
                await super().group_discard(group, channel)
            except REDIS_ERRORS as error:
                self._went_away(error)

    async def receive(self, channel: str) -> dict[str, Any]:
        while True:
            state = self._state()
            queue = state.local.get(channel)
            if queue is not None and not queue.empty():
                return queue.get_nowait()
            if state.down_since is None:
                try:
                    return await super().receive(channel)
                except REDIS_ERRORS as error:
                    self._went_away(error)
                    continue
            message = await self._receive_while_away(state, channel)
            if message is not None:
                return message

    async def _receive_while_away(self, state: _LoopState, channel: str) -> dict[str, Any] | None:
        """A message delivered in this process, or None once Redis is back."""
        queue = state.local.get(channel)
        if queue is None:
            queue = state.local[channel] = asyncio.Queue(maxsize=self.capacity)
        getter = asyncio.ensure_future(queue.get())
        back = asyncio.ensure_future(state.back.wait())
        try:
            await asyncio.wait({getter, back}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            back.cancel()
            if not getter.done():
                getter.cancel()
        if getter.done() and not getter.cancelled():
            return getter.result()
        return None
