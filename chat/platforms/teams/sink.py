"""Replying in a Teams conversation through the Bot Framework connector API.

An answer's files: a small picture (PNG, JPEG, GIF up to CHAT_TEAMS_INLINE_IMAGE_KB) is
shown in the conversation itself; in a personal chat any other file, up to
CHAT_PLATFORM_UPLOAD_MAX_MB, is offered with a file consent card (the person accepts it
into their OneDrive, see consent.py). Channels and group chats have no such flow: there
the answer's link to the file is all.
"""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings

from chat.platforms.sink import OutElement, OutMessage, PlatformSink, read_stored
from chat.platforms.teams import cards
from chat.platforms.teams.auth import connector_token

BUTTON_KEY = "chat_button"  # the Action.Submit data key a click comes back with


def render(message: OutMessage) -> dict[str, Any]:
    """A message activity: markdown text, element links, an Adaptive Card of buttons."""
    lines = message.markdown_lines()
    activity: dict[str, Any] = {
        "type": "message",
        "textFormat": "markdown",
        "text": "\n\n".join(lines),
    }
    if message.buttons:
        activity["attachments"] = [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [],
                    "actions": [
                        {
                            "type": "Action.Submit",
                            "title": b.label or "…",
                            "data": {BUTTON_KEY: b.value},
                        }
                        for b in message.buttons
                    ],
                },
            }
        ]
    return activity


class TeamsSink(PlatformSink):
    def __init__(self, service_url: str, conversation: str, *, personal: bool = False) -> None:
        super().__init__()
        self.base = f"{service_url.rstrip('/')}/v3/conversations/{conversation}/activities"
        self.reply_to = ""
        # A one-to-one chat with the bot: the only place Teams lets a bot send files.
        self.personal = personal

    def begin(self, event: dict[str, Any]) -> None:
        self.reply_to = event.get("id", self.reply_to)

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {await connector_token()}"}
        async with httpx.AsyncClient(timeout=15) as client:
            response = await client.request(method, url, headers=headers, **kwargs)
        response.raise_for_status()
        return response

    async def post(self, message: OutMessage) -> Any:
        activity = render(message)
        if self.reply_to:
            activity["replyToId"] = self.reply_to
        response = await self._request("POST", self.base, json=activity)
        return response.json()["id"]

    async def edit(self, ref: Any, message: OutMessage) -> None:
        await self._request("PUT", f"{self.base}/{ref}", json={**render(message), "id": ref})

    async def delete(self, ref: Any) -> None:
        await self._request("DELETE", f"{self.base}/{ref}")

    async def send_file(self, ref: Any, element: OutElement, limit: int) -> None:
        inline_limit = int(settings.CHAT_TEAMS_INLINE_IMAGE_KB * 1024)
        if element.mime in cards.INLINE_IMAGES and element.size <= inline_limit:
            data = await read_stored(element.path, inline_limit)
            if data is not None:
                await self.send_attachments([cards.inline_image(element, data)])
                return
        if self.personal and element.id and element.size > 0:
            await self.send_attachments([cards.consent_card(element)])

    async def send_attachments(self, attachments: list[dict[str, Any]]) -> str:
        """A message of attachments only (a picture, a card), after the answer."""
        activity: dict[str, Any] = {"type": "message", "attachments": attachments}
        if self.reply_to:
            activity["replyToId"] = self.reply_to
        response = await self._request("POST", self.base, json=activity)
        return str(response.json().get("id") or "")

    async def typing(self) -> None:
        """The "typing…" indicator, until the answer comes, as Chainlit sends it."""
        await self._call(self._request("POST", self.base, json={"type": "typing"}))

    async def notice(self, text: str) -> None:
        await self._call(self._request("POST", self.base, json={"type": "message", "text": text}))
