"""Discord messages and mentions, read from Discord's Gateway (a websocket the bot opens),
beside `/ask`: a direct message to the bot, or a channel message that mentions it, is a
question in the person's conversation with the assistant (the same one `/ask` uses).

`python manage.py discord_gateway` (CHAT_DISCORD_BOT_TOKEN) connects with the intents for
guild and direct messages and their content (the privileged Message Content intent must
be turned on for the bot in Discord's developer portal), keeps the heartbeat Discord asks
for, and connects again when the socket drops or Discord asks it to.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from typing import Any

import httpx
from django.conf import settings
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from chat.platforms import guard
from chat.platforms.discord import service
from chat.platforms.headless import in_background

logger = logging.getLogger(__name__)

GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = 1 << 9, 1 << 12, 1 << 15
INTENTS = GUILD_MESSAGES | DIRECT_MESSAGES | MESSAGE_CONTENT
DISPATCH, HEARTBEAT, IDENTIFY, RECONNECT, INVALID_SESSION, HELLO = 0, 1, 2, 7, 9, 10
RETRY_SECONDS = 5.0


def question(message: dict[str, Any], bot_id: str) -> str | None:
    """The question in a message: a direct message's text, or a channel message's text
    without the bot's mention; None for a message not for the bot (or from a bot)."""
    author = message.get("author") or {}
    if author.get("bot") or not author.get("id") or not isinstance(message.get("content"), str):
        return None
    mentioned = any(str(m.get("id")) == bot_id for m in message.get("mentions") or [])
    if message.get("guild_id") and not mentioned:
        return None
    return re.sub(rf"<@!?{re.escape(bot_id)}>", "", message["content"]).strip()


async def _gateway_url(client: httpx.AsyncClient) -> str:
    base = settings.CHAT_DISCORD_API_URL.rstrip("/")
    headers = {"Authorization": f"Bot {settings.CHAT_DISCORD_BOT_TOKEN}"}
    response = await client.get(f"{base}/gateway/bot", headers=headers)
    response.raise_for_status()
    return f"{response.json()['url']}/?v=10&encoding=json"


class Gateway:
    def __init__(self) -> None:
        self.bot_id = ""
        self.sequence: int | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Connected until `stop` is set; a dropped socket is opened again."""
        while not stop.is_set():
            try:
                await self._session(stop)
            except (OSError, ConnectionClosed, httpx.HTTPError) as error:
                logger.warning("Discord gateway: %s; connecting again", error)
            if not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), RETRY_SECONDS)

    async def _session(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(timeout=15) as client:
            url = await _gateway_url(client)
        async with connect(url, proxy=None, max_size=2**22) as socket:
            hello = json.loads(await socket.recv())
            if hello.get("op") != HELLO:
                raise ConnectionError("the gateway did not say hello")
            interval = float(hello["d"]["heartbeat_interval"]) / 1000
            await socket.send(json.dumps({"op": IDENTIFY, "d": self._identity()}))
            beating = asyncio.ensure_future(self._heartbeat(socket, interval))
            stopping = asyncio.ensure_future(stop.wait())
            try:
                while True:
                    receiving = asyncio.ensure_future(socket.recv())
                    done, _ = await asyncio.wait(
                        {receiving, stopping}, return_when=asyncio.FIRST_COMPLETED
                    )
                    if stopping in done:
                        receiving.cancel()
                        return
                    if not await self._handle(json.loads(receiving.result())):
                        return  # Discord asked for a new connection
            finally:
                beating.cancel()
                stopping.cancel()

    def _identity(self) -> dict[str, Any]:
        return {
            "token": settings.CHAT_DISCORD_BOT_TOKEN,
            "intents": INTENTS,
            "properties": {"os": "linux", "browser": "chat", "device": "chat"},
        }

    async def _heartbeat(self, socket: Any, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            await socket.send(json.dumps({"op": HEARTBEAT, "d": self.sequence}))

    async def _handle(self, frame: dict[str, Any]) -> bool:
        """Handles one frame; False when the connection is to be made again."""
        if frame.get("s") is not None:
            self.sequence = frame["s"]
        op = frame.get("op")
        if op in (RECONNECT, INVALID_SESSION):
            return False
        if op != DISPATCH:
            return True
        data = frame.get("d") or {}
        if frame.get("t") == "READY":
            self.bot_id = str((data.get("user") or {}).get("id") or "")
        elif frame.get("t") == "MESSAGE_CREATE" and self.bot_id:
            text = question(data, self.bot_id)
            if text is not None and await guard.first_time("discord", f"msg:{data.get('id')}"):
                in_background(service.handle_message(data, text), name=f"discord-{data['id']}")
        return True


async def serve(stop: asyncio.Event) -> None:
    await Gateway().run(stop)
