"""CHAT_URL_PREFIX: the whole site under a path of an existing domain (e.g. /assistant),
behind a proxy that passes the path as it is (strips nothing).

Every request and socket under the prefix gets it as the ASGI `root_path`: Django takes it
as the script name (URLs are resolved without it, and reversed and redirected with it) and
Channels' router matches websocket paths without it. Anything outside the prefix is not
this site's: 404, and a socket is refused.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import set_script_prefix


class UrlPrefix:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        prefix = settings.CHAT_URL_PREFIX
        if not prefix or scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path = scope["path"]
        if path.startswith(prefix + "/"):
            # For what a socket renders too (links to files in pushed fragments): Django
            # sets the prefix for a request's own context only. Context-local, so the
            # socket's hooks and the threads they call inherit it.
            set_script_prefix(prefix + "/")
            return await self.app({**scope, "root_path": prefix}, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 4404})
        if path == prefix:
            return await _answer(send, 301, b"", [(b"location", (prefix + "/").encode())])
        return await _answer(send, 404, b"Not Found", [(b"content-type", b"text/plain")])


async def _answer(send: Any, status: int, body: bytes, headers: list) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
