"""Answering a Discord interaction: its deferred reply, edited, then follow-up messages."""

from __future__ import annotations

import json
from typing import Any

import httpx
from django.conf import settings

from chat.platforms.sink import OutElement, OutMessage, PlatformSink

CONTENT_CHARS = 2000
EPHEMERAL = 64


def render(message: OutMessage) -> dict[str, Any]:
    """A Discord message body: markdown text (Discord's own), element links, buttons."""
    lines = message.markdown_lines()
    body: dict[str, Any] = {"content": "\n".join(lines)[:CONTENT_CHARS]}
    buttons = [
        {"type": 2, "style": 1, "label": (b.label or "…")[:80], "custom_id": b.value}
        for b in message.buttons[:25]
    ]
    body["components"] = [
        {"type": 1, "components": buttons[i : i + 5]} for i in range(0, len(buttons), 5)
    ]
    return body


class DiscordSink(PlatformSink):
    """Answers through the interaction's webhook (a slash command, a button), or, for a
    message the bot read from the Gateway, as the bot in the channel (CHAT_DISCORD_BOT_TOKEN).
    A conversation may do both: each answer goes the way its question came."""

    def __init__(self) -> None:
        super().__init__()
        self.token = ""
        self.original_free = False  # the deferred reply of this interaction, not used yet
        self.channel = ""  # set while answering a channel message

    def begin(self, event: dict[str, Any]) -> None:
        if event.get("channel_message"):
            self.channel, self.token, self.original_free = str(event["channel_id"]), "", False
            return
        self.channel = ""
        self.token = event.get("token", self.token)
        # A slash command's deferred reply is ours to fill; a button's "original" is the
        # message the button is on, so its answers are follow-ups.
        self.original_free = event.get("type") == 2

    def _channel_messages(self, channel: str) -> str:
        return f"{settings.CHAT_DISCORD_API_URL.rstrip('/')}/channels/{channel}/messages"

    def _as_bot(self) -> dict[str, str]:
        return {"Authorization": f"Bot {settings.CHAT_DISCORD_BOT_TOKEN}"}

    def _webhook(self, token: str) -> str:
        base = settings.CHAT_DISCORD_API_URL.rstrip("/")
        return f"{base}/webhooks/{settings.CHAT_DISCORD_APPLICATION_ID}/{token}"

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async with httpx.AsyncClient(timeout=15) as client:
            response = await client.request(method, url, **kwargs)
        response.raise_for_status()
        return response

    async def post(self, message: OutMessage) -> Any:
        if self.channel:
            response = await self._request(
                "POST",
                self._channel_messages(self.channel),
                json=render(message),
                headers=self._as_bot(),
            )
            return ("channel", self.channel, str(response.json()["id"]))
        if self.original_free:
            self.original_free = False
            await self._request(
                "PATCH", f"{self._webhook(self.token)}/messages/@original", json=render(message)
            )
            return (self.token, "@original")
        response = await self._request(
            "POST", self._webhook(self.token), params={"wait": "true"}, json=render(message)
        )
        return (self.token, str(response.json()["id"]))

    async def edit(self, ref: Any, message: OutMessage) -> None:
        if ref[0] == "channel":
            url = f"{self._channel_messages(ref[1])}/{ref[2]}"
            await self._request("PATCH", url, json=render(message), headers=self._as_bot())
            return
        token, message_id = ref
        await self._request(
            "PATCH", f"{self._webhook(token)}/messages/{message_id}", json=render(message)
        )

    async def delete(self, ref: Any) -> None:
        if ref[0] == "channel":
            url = f"{self._channel_messages(ref[1])}/{ref[2]}"
            await self._request("DELETE", url, headers=self._as_bot())
            return
        token, message_id = ref
        await self._request("DELETE", f"{self._webhook(token)}/messages/{message_id}")

    async def upload(self, ref: Any, element: OutElement, data: bytes) -> None:
        """The file as a message attachment (multipart: payload_json and files[0]), where
        the answer went: the channel as the bot, or the interaction's follow-up."""
        payload = {"attachments": [{"id": 0, "filename": element.name}]}
        parts = {
            "data": {"payload_json": json.dumps(payload)},
            "files": {"files[0]": (element.name, data, element.mime or "application/octet-stream")},
        }
        if ref[0] == "channel":
            url = self._channel_messages(ref[1])
            await self._request("POST", url, headers=self._as_bot(), **parts)
            return
        await self._request("POST", self._webhook(ref[0]), params={"wait": "true"}, **parts)

    async def notice(self, text: str) -> None:
        if self.channel:
            body = {"content": text[:CONTENT_CHARS]}
            url = self._channel_messages(self.channel)
            await self._call(self._request("POST", url, json=body, headers=self._as_bot()))
            return
        if self.original_free:
            self.original_free = False
            call = self._request(
                "PATCH", f"{self._webhook(self.token)}/messages/@original", json={"content": text}
            )
        else:
            call = self._request(
                "POST", self._webhook(self.token), json={"content": text, "flags": EPHEMERAL}
            )
        await self._call(call)
