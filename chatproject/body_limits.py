"""How large a request body may be, decided before any of it is read.

Three sizes, from settings: an upload may carry CHAT_UPLOAD_MAX_FILES files of
CHAT_UPLOAD_MAX_MB each, a platform's webhook a small JSON event, anything else a form.
A view says which it takes (`takes_uploads`, `takes_webhooks`). An upload's size is allowed
only to a request carrying a session cookie: signed out, an upload path takes a form's
(`limit_before_reading`), so nobody signed out can send a large body anywhere (whether the
session is valid is checked later, before the body is parsed). LimitRequestBody, around
the HTTP application, answers 413 to a larger declared Content-Length without reading a
byte of the body, and stops a body sent without one (chunked) as soon as it passes the
limit. Under daphne, chatproject.serving.daphne_bodies also caps bodies while they arrive.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TypeVar

from django.conf import settings
from django.urls import Resolver404, resolve

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
View = TypeVar("View", bound=Callable[..., Any])

UPLOADS = "uploads"
WEBHOOK = "webhook"
TOO_LARGE = b"Request body too large."


def takes_uploads(view: View) -> View:
    """Marks a view that receives files: its body may be as large as an upload, and only
    someone signed in may send one (see chat.web.middleware.UploadsNeedSignIn)."""
    view.request_body = UPLOADS  # type: ignore[attr-defined]
    return view


def takes_webhooks(view: View) -> View:
    """Marks a view that a platform calls with small signed events."""
    view.request_body = WEBHOOK  # type: ignore[attr-defined]
    return view


def takes_uploads_view(view: Callable[..., Any]) -> bool:
    return getattr(view, "request_body", None) == UPLOADS


def limit_for_view(view: Callable[..., Any] | None) -> int:
    kind = getattr(view, "request_body", None)
    if kind == UPLOADS:
        return settings.CHAT_UPLOAD_MAX_BODY_BYTES
    if kind == WEBHOOK:
        return settings.CHAT_WEBHOOK_MAX_BODY_BYTES
    return settings.CHAT_MAX_BODY_BYTES


def limit_for(path: str) -> int:
    """The largest body the view at this path takes."""
    try:
        return limit_for_view(resolve(path).func)
    except Resolver404:
        return settings.CHAT_MAX_BODY_BYTES


def limit_before_reading(path: str, has_session_cookie: bool) -> int:
    """The largest body a request to this path may send, known from its headers alone:
    an upload's size needs a session cookie."""
    limit = limit_for(path)
    if not has_session_cookie:
        return min(limit, settings.CHAT_MAX_BODY_BYTES)
    return limit


def has_session_cookie(scope: Scope) -> bool:
    name = settings.SESSION_COOKIE_NAME
    for key, value in scope.get("headers", ()):
        if key.lower() == b"cookie":
            for cookie in value.decode("latin-1").split(";"):
                cookie_name, _, cookie_value = cookie.strip().partition("=")
                if cookie_name == name and cookie_value:
                    return True
    return False


def _path_info(scope: Scope) -> str:
    path, root = scope.get("path", "/"), scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def refuse(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(TOO_LARGE)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": TOO_LARGE})


class LimitRequestBody:
    """ASGI middleware: no request body larger than its view takes reaches the app."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_before_reading(_path_info(scope), has_session_cookie(scope))
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await refuse(send)
            return
        received = 0
        refused = started = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # The application sees the client go away, and stops reading.
                    refused = True
                    if not started:
                        await refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)
