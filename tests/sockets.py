"""A page's websocket to a real daphne, as a browser's: read in the background, so that
every frame is kept and a close is noticed when it happens; what it sent is counted."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client

from chat.models import Thread


@database_sync_to_async
def session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


class PageSocket:
    def __init__(self, connection: Any, name: str) -> None:
        self.connection = connection
        self.name = name
        self.frames: list[str] = []
        self.sent: dict[str, str] = {}  # client id -> content
        self.close_code: int | None = None
        self._arrived = asyncio.Event()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def open(cls, port: int, thread: Thread, cookie: str, name: str = "") -> PageSocket:
        from websockets.asyncio.client import connect

        base = f"127.0.0.1:{port}"
        connection = await connect(
            f"ws://{base}/ws/threads/{thread.pk}/",
            origin=f"http://{base}",
            additional_headers={"Cookie": cookie},
            proxy=None,
            open_timeout=20,
            max_size=None,
        )
        socket = cls(connection, name or f"socket on :{port}")
        await socket.until(lambda frame: "run-state" in frame)  # the snapshot
        return socket

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for frame in self.connection:
                self.frames.append(frame if isinstance(frame, str) else frame.decode())
                self._arrived.set()
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self.connection.close_code or 1006
            self._arrived.set()

    @property
    def closed(self) -> bool:
        return self.close_code is not None

    def seen(self, text: str) -> bool:
        return any(text in frame for frame in self.frames)

    async def until(
        self, predicate: Callable[[str], bool], *, after: int = 0, within: float = 20.0
    ) -> str:
        """The first frame from index `after` on that matches; fails the test otherwise."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        checked = after
        while True:
            for frame in self.frames[checked:]:
                if predicate(frame):
                    return frame
            checked = max(checked, len(self.frames))
            if self.closed:
                pytest.fail(f"{self.name} closed ({self.close_code}) before the frame came")
            left = deadline - loop.time()
            if left <= 0:
                last = "\n".join(f[:300] for f in self.frames[-5:])
                pytest.fail(f"{self.name}: no matching frame within {within} s; last:\n{last}")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout=left)

    async def say(self, content: str) -> str:
        client_id = uuid.uuid4().hex
        self.sent[client_id] = content
        await self._send({"type": "message", "content": content, "client_id": client_id})
        return client_id

    async def stop(self) -> None:
        await self._send({"type": "stop"})

    async def _send(self, data: dict[str, Any]) -> None:
        await self.connection.send(json.dumps({**data, "HEADERS": {"HX-Request": "true"}}))

    def refused_visibly(self) -> int:
        """How many notices asked the page to put a message back in the composer."""
        return sum(frame.count("data-keep-draft") for frame in self.frames)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.connection.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader
