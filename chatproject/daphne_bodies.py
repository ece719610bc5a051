"""Request bodies under daphne: capped while they arrive, and handed to the application
only as it reads them.

Daphne 4.2 (on Twisted) receives a whole body before the application sees the request,
in a spool file (on disk past 100 kB). Then, unasked: Twisted parses a multipart body
with the email package, all of it in memory, for nobody (daphne never looks at the
result), which cost about ten times the body's size; and daphne queues the whole body
for the application at once, so even a request refused unread costs its size in memory.
Here Twisted's form parsing is off; a body larger than `max_bytes` (declared, or sent
chunked and passing it) is answered 413 and its connection closed as it arrives; and the
body stays in the spool file until the application reads it, piece by piece.
"""

from __future__ import annotations

import asyncio
import io
import sys
from functools import partial
from typing import Any, BinaryIO

from daphne.http_protocol import WebRequest
from twisted.web import http

READ_BYTES = 64 * 1024
TOO_LARGE = b"Request body too large."
TOO_LARGE_RESPONSE = (
    b"HTTP/1.1 413 Content Too Large\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: %d\r\n"
    b"Connection: close\r\n\r\n%s" % (len(TOO_LARGE), TOO_LARGE)
)


class _Drained(io.BytesIO):
    """What daphne finds in place of the body once it is handed over: nothing left."""


class SpooledBody:
    """The application's `receive`: body pieces read from the spool file on demand, then
    whatever daphne queues (the client going away)."""

    def __init__(self, spool: BinaryIO, queue: asyncio.Queue) -> None:
        self.spool: BinaryIO | None = spool
        self.queue = queue

    async def receive(self) -> dict[str, Any]:
        if self.spool is not None:
            piece = self.spool.read(READ_BYTES)
            if len(piece) < READ_BYTES:
                self.close()
            return {"type": "http.request", "body": piece, "more_body": self.spool is not None}
        while True:
            message = await self.queue.get()
            # Daphne's own (empty) body message: the body came from the spool instead.
            if message["type"] != "http.request":
                return message

    def close(self, *_: object) -> None:
        if self.spool is not None:
            self.spool.close()
            self.spool = None


def limit_daphne_bodies(max_bytes: int) -> None:
    """Patches daphne's HTTP request handling as the module says. Only under daphne."""
    server_module = sys.modules.get("daphne.server")
    if server_module is None or getattr(server_module.Server, "_bodies_limited", False):
        return

    def refuse(request: Any) -> None:
        request.body_refused = True
        request.content = _Drained()
        transport = request.channel.transport if request.channel is not None else None
        if transport is not None:
            transport.write(TOO_LARGE_RESPONSE)
            transport.loseConnection()

    def got_length(self: Any, length: int | None) -> None:
        self._parsePOSTFormSubmission = False
        self.body_refused = False
        self.body_bytes = 0
        if length is not None and length > max_bytes:
            refuse(self)
            return
        http.Request.gotLength(self, length)

    def handle_content_chunk(self: Any, data: bytes) -> None:
        if self.body_refused:
            return
        self.body_bytes += len(data)
        if self.body_bytes > max_bytes:
            self.content.close()
            refuse(self)
            return
        http.Request.handleContentChunk(self, data)

    request_received = WebRequest.requestReceived

    def guarded_request_received(self: Any, command: bytes, path: bytes, version: bytes) -> None:
        if getattr(self, "body_refused", False):
            return
        request_received(self, command, path, version)

    def create_application(self: Any, protocol: Any, scope: dict[str, Any]) -> Any:
        """daphne's Server.create_application, with the body read from the spool."""
        if "application_instance" in self.connections[protocol]:
            raise RuntimeError("the request already has an application")
        input_queue: asyncio.Queue = asyncio.Queue()
        receive = input_queue.get
        body = None
        if scope.get("type") == "http" and not isinstance(protocol.content, _Drained):
            body = SpooledBody(protocol.content, input_queue)
            protocol.content = _Drained()
            receive = body.receive
        scope.setdefault("asgi", {"version": "3.0"})
        application_instance = self.application(
            scope=scope, receive=receive, send=partial(self.handle_reply, protocol)
        )
        if protocol not in self.connections:
            if body is not None:
                body.close()
            return None
        future = asyncio.ensure_future(application_instance, loop=asyncio.get_event_loop())
        if body is not None:
            future.add_done_callback(body.close)
        self.connections[protocol]["application_instance"] = future
        return input_queue

    WebRequest.gotLength = got_length
    WebRequest.handleContentChunk = handle_content_chunk
    WebRequest.requestReceived = guarded_request_received
    server_module.Server.create_application = create_application
    server_module.Server._bodies_limited = True
