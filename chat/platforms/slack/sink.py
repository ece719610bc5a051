"""Posting to a Slack thread with slack_sdk's WebClient (sync: run in worker threads)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from slack_sdk import WebClient

from chat.platforms.sink import OutElement, OutMessage, PlatformSink
from chat.platforms.slack.blocks import render


def client() -> WebClient:
    return WebClient(
        token=settings.CHAT_SLACK_BOT_TOKEN, base_url=settings.CHAT_SLACK_API_URL, timeout=15
    )


def _call(method: str, **arguments: Any) -> Any:
    return getattr(client(), method)(**arguments)


# Not thread-sensitive: Slack calls need no database and must not queue behind the ORM.
call = sync_to_async(_call, thread_sensitive=False)


class SlackSink(PlatformSink):
    """A Slack thread (channel and the root message's ts)."""

    def __init__(self, channel: str, thread_ts: str) -> None:
        super().__init__()
        self.channel = channel
        self.thread_ts = thread_ts
        self.person = ""

    def begin(self, event: dict[str, Any]) -> None:
        self.person = event.get("user", self.person)

    async def post(self, message: OutMessage) -> Any:
        text, blocks = render(message)
        reply = await call(
            "chat_postMessage",
            channel=self.channel,
            thread_ts=self.thread_ts,
            text=text,
            blocks=blocks,
        )
        return reply["ts"]

    async def edit(self, ref: Any, message: OutMessage) -> None:
        text, blocks = render(message)
        await call("chat_update", channel=self.channel, ts=ref, text=text, blocks=blocks)

    async def delete(self, ref: Any) -> None:
        await call("chat_delete", channel=self.channel, ts=ref)

    async def upload(self, ref: Any, element: OutElement, data: bytes) -> None:
        # Slack's upload flow: files.getUploadURLExternal, the bytes to the address it
        # gives, then files.completeUploadExternal shares the file in the thread.
        await call(
            "files_upload_v2",
            channel=self.channel,
            thread_ts=self.thread_ts,
            content=data,
            filename=element.name,
            title=element.name,
        )

    async def notice(self, text: str) -> None:
        if self.person:
            await self._call(
                call(
                    "chat_postEphemeral",
                    channel=self.channel,
                    thread_ts=self.thread_ts,
                    user=self.person,
                    text=text,
                )
            )
