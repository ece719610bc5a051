"""The in-process channel layer of the embedded default, made to scale with sockets.

Channels' InMemoryChannelLayer sweeps every channel and every group membership for
expired entries on each send and receive, and deep-copies each message per member: with
hundreds of open sockets and a frame every 30 ms per streamed answer, that sweep is most
of the server's work. Here it runs at most once a second (expiry is counted in minutes),
and a message of plain strings and numbers is copied shallowly, which is as safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from copy import deepcopy
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

SWEEP_EVERY_SECONDS = 1.0
_FLAT = (str, int, float, bool, type(None))


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
        queue = self.channels.setdefault(channel, asyncio.Queue(maxsize=self.get_capacity(channel)))
        flat = all(isinstance(value, _FLAT) for value in message.values())
        try:
            queue.put_nowait(
                (time.time() + self.expiry, dict(message) if flat else deepcopy(message))
            )
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

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
