"""The chat websocket: authenticate, parse, route. No business logic here."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from chat.engine import control, threads
from chat.engine.groups import thread_group
from chat.engine.session import ChatSession
from chat.events import MalformedFrame, StopRequest, UserMessage, parse_frame
from chat.rendering import fragments

# Close codes the page understands: sign in again, or give up on this thread.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
# "Service restart": the browser reconnects, to this instance or another.
CLOSE_SERVICE_RESTART = 1012


class ChatConsumer(AsyncWebsocketConsumer):
    session: ChatSession | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        except asyncio.CancelledError:
            # The server is shutting down: tell the page to reconnect, elsewhere or later.
            with contextlib.suppress(Exception):
                await send({"type": "websocket.close", "code": CLOSE_SERVICE_RESTART})
            raise

    async def connect(self) -> None:
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        thread = await threads.avisible_thread(user, self.scope["url_route"]["kwargs"]["thread_id"])
        if thread is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = thread_group(thread.id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send(text_data=await threads.asnapshot_html(thread))
        self.session = ChatSession(thread, user)
        await self.session.open()

    async def disconnect(self, code: int) -> None:
        if self.session is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.session.close()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.session is None:
            return
        try:
            event = parse_frame(text_data)
        except MalformedFrame as error:
            await self.send(text_data=fragments.notice(str(error)))
            return
        if isinstance(event, UserMessage):
            self.session.receive_message(event.content, event.client_id)
        elif isinstance(event, StopRequest):
            await control.request_stop(self.session.thread_id)

    async def chat_fragment(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["html"])
