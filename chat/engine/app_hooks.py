"""The assistant's hooks around the chat: author names, sign-out, the process's start and stop.

Daphne speaks no ASGI lifespan, so the start hook runs before the first request or socket
this process serves (and on the lifespan startup of servers that send one); the stop hook
runs when the server shuts down (daphne's SIGTERM path, or a lifespan shutdown).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from asgiref.sync import async_to_sync

from chat.engine import housekeeping
from chat.engine.registry import call_hook, hooks

logger = logging.getLogger(__name__)


async def renamed_author(name: str) -> str:
    """The author's name as the assistant wants it shown (`@cl.author_rename`)."""
    if hooks.author_rename is None:
        return name
    renamed = await call_hook(hooks.author_rename, name)
    return str(renamed) if renamed else name


# -- sign-out ---------------------------------------------------------------------------------
def logged_out(request: Any, response: Any) -> None:
    """Runs `@cl.on_logout` with the request and a response whose cookies reach the browser."""
    if hooks.on_logout is None:
        return
    try:
        async_to_sync(call_hook)(hooks.on_logout, request, response)
    except Exception:
        # Signing out must work whatever the assistant's hook does.
        logger.exception("The on_logout hook failed")


# -- the process's start and stop ----------------------------------------------------------------
class Lifecycle:
    """Runs the start hook once, before anything is served, and the stop hook once."""

    def __init__(self) -> None:
        self._started: asyncio.Task[Any] | None = None
        self._stopped = False

    async def started(self) -> None:
        loop = asyncio.get_running_loop()
        if self._started is None or self._started.get_loop() is not loop:
            # One start per serving loop (a server has one; each test has its own).
            self._stopped = False
            self._started = loop.create_task(self._run("on_app_startup"))
            # Periodic work in this process when no beat does it (the embedded default).
            housekeeping.start_timer()
        # Every early request waits for the start; a failed start is logged, not repeated.
        await asyncio.shield(self._started)

    async def stopping(self) -> None:
        if self._stopped or self._started is None:
            return
        self._stopped = True
        await self._run("on_app_shutdown")

    async def _run(self, name: str) -> None:
        hook = getattr(hooks, name)
        if hook is None:
            return
        try:
            await call_hook(hook)
        except Exception:
            logger.exception("The %s hook failed", name)


lifecycle = Lifecycle()


class LifecycleApp:
    """ASGI wrapper: the start hook before the first request, lifespan events if any."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        await lifecycle.started()
        return await self.app(scope, receive, send)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await lifecycle.started()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await lifecycle.stopping()
                await send({"type": "lifespan.shutdown.complete"})
                return
