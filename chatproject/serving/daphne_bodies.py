"""Request bodies under daphne: capped while they arrive, and handed to the application
only as it reads them.

Daphne 4.2 (on Twisted) receives a whole body before the application sees the request,
in a spool file (on disk past 100 kB). Then, unasked: Twisted parses a multipart body
with the email package, all of it in memory, for nobody (daphne never looks at the
result), which cost about ten times the body's size; and daphne queues the whole body
for the application at once, so even a request refused unread costs its size in memory.
Here Twisted's form parsing is off; a body larger than its request may carry (declared,
or sent chunked and passing it) is answered 413 and its connection closed as it arrives;
and the body stays in the spool file until the application reads it, piece by piece.

The limit is decided from the request line and headers, before the first byte of the body
is stored: `limit_of(path, has_session_cookie)` (chatproject.body_limits.limit_before_reading),
so a signed-out client cannot make the server spool an upload-sized body anywhere.

This reaches into daphne's and Twisted's insides, so it checks them first
(`patch_problems`): on a daphne or Twisted it was not written for, the start fails with
what is missing, rather than running with bodies uncapped.

Measured by `bench/bombs.py` (the web process's peak memory against a 100 MB upload,
signed in and out, and against multipart bombs).
"""

from __future__ import annotations

import asyncio
import inspect
import io
import sys
from collections.abc import Callable
from functools import partial
from typing import Any, BinaryIO
from urllib.parse import unquote

import daphne
from daphne.http_protocol import WebRequest
from twisted.web import http

READ_BYTES = 64 * 1024
# The daphne releases this was written against, [from, to); pyproject.toml pins the same.
SUPPORTED_DAPHNE = ((4, 2), (4, 3))


class DaphneMismatch(RuntimeError):
    """daphne or Twisted is not the one the body limits were written for."""


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


def _parameters(function: Any) -> list[str] | None:
    try:
        return list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return None


def _source(function: Any) -> str:
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return ""


def patch_problems(
    daphne_version: str, server: type, web_request: type, twisted_http: Any
) -> list[str]:
    """What the patch relies on and does not find (empty: all there)."""
    problems = []
    try:
        release = tuple(int(part) for part in daphne_version.split(".")[:2])
    except ValueError:
        release = ()
    low, high = SUPPORTED_DAPHNE
    if not low <= release < high:
        problems.append(
            f"daphne {daphne_version} (the body limits support {low[0]}.{low[1]} to before "
            f"{high[0]}.{high[1]})"
        )
    expected = {
        "daphne Server.create_application": (
            getattr(server, "create_application", None),
            ["self", "protocol", "scope"],
        ),
        "daphne Server.handle_reply": (
            getattr(server, "handle_reply", None),
            ["self", "protocol", "message"],
        ),
        "daphne WebRequest.requestReceived": (
            getattr(web_request, "requestReceived", None),
            ["self", "command", "path", "version"],
        ),
        "Twisted Request.gotLength": (
            getattr(twisted_http.Request, "gotLength", None),
            ["self", "length"],
        ),
        "Twisted Request.handleContentChunk": (
            getattr(twisted_http.Request, "handleContentChunk", None),
            ["self", "data"],
        ),
    }
    for name, (function, parameters) in expected.items():
        if function is None or _parameters(function) != parameters:
            problems.append(f"{name}({', '.join(parameters[1:])})")
    if "self.connections = " not in _source(getattr(server, "run", None)):
        problems.append("daphne Server.connections")
    # Twisted's private switch for its form parsing, read when the body is complete.
    if "_parsePOSTFormSubmission" not in _source(
        getattr(twisted_http.Request, "requestReceived", None)
    ):
        problems.append("Twisted Request._parsePOSTFormSubmission")
    # The request line's target (`HTTPChannel._path`), and the cookies parsed, before
    # gotLength is called: the limit depends on both.
    channel = getattr(twisted_http, "HTTPChannel", None)
    headers_done = _source(getattr(channel, "allHeadersReceived", None))
    if "self._path =" not in _source(getattr(channel, "lineReceived", None)):
        problems.append("Twisted HTTPChannel._path")
    if not 0 <= headers_done.find("parseCookies") < headers_done.find("gotLength"):
        problems.append("Twisted HTTPChannel.allHeadersReceived (cookies before the length)")
    return problems


def request_path(request: Any) -> str:
    """The path of the request whose headers just arrived, as daphne will give it (the
    request object learns it only once the body is in)."""
    target = getattr(request.channel, "_path", b"") or b""
    path = unquote(target.split(b"?", 1)[0].decode("ascii", "replace"))
    root = getattr(request.server, "root_path", "") or ""
    return path[len(root) :] if root and path.startswith(root) else path


def limit_daphne_bodies(limit_of: Callable[[str, bool], int], session_cookie: str) -> None:
    """Patches daphne's HTTP request handling as the module says. Only under daphne;
    raises DaphneMismatch when daphne or Twisted is not what it was written for."""
    server_module = sys.modules.get("daphne.server")
    if server_module is None or getattr(server_module.Server, "_bodies_limited", False):
        return

    problems = patch_problems(daphne.__version__, server_module.Server, WebRequest, http)
    if problems:
        raise DaphneMismatch(
            "Request bodies cannot be capped on this daphne/Twisted: not found as expected: "
            + "; ".join(problems)
            + ". Install the versions pyproject.toml pins."
        )
    cookie = session_cookie.encode()

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
        has_session = bool(getattr(self, "received_cookies", {}).get(cookie))
        self.body_limit = limit_of(request_path(self), has_session)
        if length is not None and length > self.body_limit:
            refuse(self)
            return
        http.Request.gotLength(self, length)

    def handle_content_chunk(self: Any, data: bytes) -> None:
        if self.body_refused:
            return
        self.body_bytes += len(data)
        if self.body_bytes > self.body_limit:
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
