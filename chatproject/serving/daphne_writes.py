"""Daphne's socket writes go out at once, not at the event loop's next turn, and without a
name made for a debug line on every frame.

Twisted buffers every write and registers the socket with the event loop to write it on a
later turn: an epoll_ctl to add the writer, the loop's callback through Twisted's logging
context, the send, another epoll_ctl to remove the writer. A chat frame is a few hundred
bytes to a few kilobytes, which the kernel's socket buffer nearly always takes whole, and
a thousand answers starting at once send three frames each: that round about the loop was
about a tenth of the event loop's work. Here a write with nothing queued before it is
tried on the socket at once, as asyncio's own transports do; what the socket does not take
is buffered and written by Twisted as before (in order: nothing goes at once while
anything waits), and a socket that fails is left for Twisted's own write to find and
close.

Autobahn logs each frame it sends at debug level, and makes the line's highlighted method
name (`hltype(self.sendData)`: a qualified name split, coloured and joined) before the
logger drops the line: the name depends only on the method, so it is made once per method.

Checked by `tests/chatproject/serving/test_daphne_writes.py`; every test that talks to a
real daphne runs through it.
"""

from __future__ import annotations

import functools
import sys
from typing import Any


def _sent_at_once(connection: Any, data: bytes) -> int:
    """How much of `data` the socket took now (0 if anything must go first or it fails)."""
    if (
        connection.TLS
        or not connection.connected
        or connection.disconnecting
        or connection._writeDisconnected
        or connection._tempDataLen
        or connection.offset != len(connection.dataBuffer)
        # A producer that would have to be paused or resumed: Twisted's way, unchanged.
        or (
            connection.producer is not None
            and (not connection.streamingProducer or connection.producerPaused)
        )
    ):
        return 0
    try:
        return connection.socket.send(data)
    except OSError:
        # Would block, or the connection failed: Twisted's write tries again and, on a
        # failure, closes the connection as it always has.
        return 0


def write_daphne_sockets_at_once(*, force: bool = False) -> None:
    """Has Twisted's TCP connections send a write at once when nothing waits before it.
    Only under daphne (`force` for the tests of Twisted's connections themselves)."""
    if "daphne.server" not in sys.modules and not force:
        return
    from twisted.internet import tcp

    if getattr(tcp.Connection, "_chat_writes_at_once", False):
        return
    buffered = tcp.Connection.write

    def write(self: Any, data: bytes) -> None:
        if type(data) is bytes and data:
            sent = _sent_at_once(self, data)
            if sent == len(data):
                return
            if sent:
                data = data[sent:]
        buffered(self, data)

    tcp.Connection.write = write  # type: ignore[method-assign]
    tcp.Connection._chat_writes_at_once = True  # type: ignore[attr-defined]
    _name_methods_once()


def _name_methods_once() -> None:
    from autobahn.websocket import protocol

    made = protocol.hltype
    by_function = functools.cache(made)  # a few methods of autobahn's own classes

    def hltype(obj: Any) -> str:
        function = getattr(obj, "__func__", None)  # a bound method: named by its function
        return made(obj) if function is None else by_function(function)

    protocol.hltype = hltype
