"""The in-process channel layer of the embedded default, made to scale with sockets.

Channels' InMemoryChannelLayer sweeps every channel and every group membership for
expired entries on each send and receive, and deep-copies each message per member: with
hundreds of open sockets and a frame every 30 ms per streamed answer, that sweep is most
of the server's work. Here it runs at most once a second (expiry is counted in minutes),
and a message of plain strings and numbers is copied shallowly, which is as safe.

Each socket's channel holds a `Mailbox` instead of an asyncio.Queue: a Queue is four
deques and an Event, about 3 KiB for every idle socket, and Channels built a spare one on
every send and receive only to throw it away.

Measured by `bench/run.py --phases d,g,e` (100 and 1,000 sessions streaming at once; memory
with 500 idle sessions), before and after: see bench/README.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from copy import deepcopy
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

SWEEP_EVERY_SECONDS = 1.0
_FLAT = (str, int, float, bool, type(None))


def copied(message: dict[str, Any]) -> dict[str, Any]:
    """A message's copy for one receiver: shallow when it holds only plain values."""
    if all(isinstance(value, _FLAT) for value in message.values()):
        return dict(message)
    return deepcopy(message)


class Mailbox:
    """The messages waiting on one channel, and whoever waits for them.

    Has the part of asyncio.Queue's interface the layer uses (Channels' expiry sweep
    reads `_queue`).
    """

    __slots__ = ("_maxsize", "_queue", "_waiters")

    def __init__(self, maxsize: int = 0) -> None:
        self._queue: deque[Any] = deque()
        self._maxsize = maxsize
        self._waiters: list[asyncio.Future[None]] = []

    def empty(self) -> bool:
        return not self._queue

    def put_nowait(self, item: Any) -> None:
        if 0 < self._maxsize <= len(self._queue):
            raise asyncio.QueueFull
        self._queue.append(item)
        self._wake_one()

    def get_nowait(self) -> Any:
        if not self._queue:
            raise asyncio.QueueEmpty
        return self._queue.popleft()

    async def get(self) -> Any:
        while not self._queue:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
                # Woken and cancelled at once: the item goes to the next in line.
                if self._queue and waiter.done() and not waiter.cancelled():
                    self._wake_one()
                raise
        return self._queue.popleft()

    def _wake_one(self) -> None:
        while self._waiters:
            waiter = self._waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                return


class SweepingInMemoryChannelLayer(InMemoryChannelLayer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._swept_at = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._swept_at >= SWEEP_EVERY_SECONDS:
            self._swept_at = now
            super()._clean_expired()

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        if not isinstance(message, dict) or "__asgi_channel__" in message:
            raise TypeError("A channel message is a dict without __asgi_channel__.")
        self.require_valid_channel_name(channel)
        queue = self._mailbox(channel)
        try:
            queue.put_nowait((time.time() + self.expiry, copied(message)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def receive(self, channel: str) -> dict[str, Any]:
        self.require_valid_channel_name(channel)
        self._clean_expired()
        queue = self._mailbox(channel)
        try:
            _, message = await queue.get()
        finally:
            # An empty mailbox is dropped (a closed socket leaves nothing behind); a
            # message sent later makes a new one.
            if queue.empty() and self.channels.get(channel) is queue:
                del self.channels[channel]
        return message

    def _mailbox(self, channel: str) -> Mailbox:
        mailbox = self.channels.get(channel)
        if mailbox is None:
            mailbox = self.channels[channel] = Mailbox(self.get_capacity(channel))
        return mailbox

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        # Each send only queues the message: no task per member is needed.
        if not isinstance(message, dict):
            raise TypeError("A channel message is a dict.")
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            # A full socket misses this frame, as with Channels' own layer; its page
            # catches up from the database (the final render, or a reconnect).
            with contextlib.suppress(ChannelFull):
                await self.send(channel, message)
