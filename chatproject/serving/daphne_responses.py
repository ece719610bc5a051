"""Response bodies under daphne: sent no faster than the client takes them.

Daphne 4.2 hands each piece of a streamed response to Twisted at once and tells the
application it was sent; Twisted keeps what the socket cannot take yet in memory. A
download of a large file (streamed from disk or a bucket) to a client slower than the
store piles up in the web process: a 200 MB file read after a 3 s pause took 411 MB more
of it; paced, 18 MB.
Here the application's `send` of a body piece waits until what Twisted still holds for
that connection is under HIGH_WATER, so a download costs a bounded buffer however large.

Measured by `tests/chat/storage/test_bucket_hosts.py` (the web process's peak resident
size across a 200 MB download).
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

HIGH_WATER = 1024 * 1024
POLL_SECONDS = 0.005


def _buffered(transport: Any) -> int:
    """What Twisted holds for the socket, unwritten (its FileDescriptor's buffers)."""
    data = getattr(transport, "dataBuffer", b"")
    return len(data) - getattr(transport, "offset", 0) + getattr(transport, "_tempDataLen", 0)


async def _drained(protocol: Any) -> None:
    channel = getattr(protocol, "channel", None)
    transport = getattr(channel, "transport", None)
    if transport is None:
        return
    # Twisted tells a drain only to a registered producer, which daphne's request already
    # is for its own purposes: polling keeps out of its way.
    while _buffered(transport) > HIGH_WATER and not getattr(transport, "disconnected", True):  # noqa: ASYNC110
        await asyncio.sleep(POLL_SECONDS)


def pace_daphne_responses() -> None:
    """Makes daphne's reply path wait for the socket to drain. Only under daphne."""
    module = sys.modules.get("daphne.server")
    if module is None or getattr(module.Server, "_chat_paced", False):
        return
    original = module.Server.handle_reply

    async def handle_reply(self: Any, protocol: Any, message: dict[str, Any]) -> None:
        await original(self, protocol, message)
        if message.get("type") == "http.response.body" and message.get("more_body"):
            await _drained(protocol)

    module.Server.handle_reply = handle_reply
    module.Server._chat_paced = True
