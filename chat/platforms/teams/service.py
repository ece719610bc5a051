"""What a Teams activity means: who wrote (their email from the connector's members API),
in which conversation, a question or a card button's click."""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from chat.platforms import headless, people
from chat.platforms.teams.auth import connector_token
from chat.platforms.teams.sink import BUTTON_KEY, TeamsSink

_MENTION = re.compile(r"<at>[^<]*</at>")
FILE_DOWNLOAD = "application/vnd.microsoft.teams.file.download.info"


class NotAMessage(Exception):
    """An activity with nothing to answer (a conversation update, typing)."""


@dataclasses.dataclass(frozen=True)
class Activity:
    id: str
    service_url: str
    channel: str
    conversation: str
    user: str
    name: str
    text: str = ""
    value: str = ""
    # (file name, URL) of the files sent with the message.
    attachments: tuple[tuple[str, str], ...] = ()
    # A one-to-one chat with the bot (not a channel or a group chat).
    personal: bool = False

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Activity:
        if data["type"] != "message":
            raise NotAMessage(data["type"])
        person = data["from"]
        value = data.get("value")
        button = str(value.get(BUTTON_KEY, "")) if isinstance(value, dict) else ""
        text = _MENTION.sub("", str(data.get("text") or "")).strip()
        return cls(
            id=str(data["id"]),
            service_url=str(data["serviceUrl"]),
            channel=str(data.get("channelId") or "msteams"),
            conversation=str(data["conversation"]["id"]),
            user=str(person.get("aadObjectId") or person["id"]),
            name=str(person.get("name") or person["id"]),
            text=text,
            value=button,
            attachments=_files(data.get("attachments")),
            personal=data["conversation"].get("conversationType") == "personal",
        )

    def sink(self) -> TeamsSink:
        return TeamsSink(self.service_url, self.conversation, personal=self.personal)


def _files(attachments: Any) -> tuple[tuple[str, str], ...]:
    """Files sent in a chat with the bot (a pre-signed download link), and pictures pasted
    in (a URL of the Bot Framework's, read with the bot's token)."""
    found = []
    for item in attachments if isinstance(attachments, list) else []:
        if not isinstance(item, dict):
            continue
        kind, content = str(item.get("contentType") or ""), item.get("content")
        if kind == FILE_DOWNLOAD and isinstance(content, dict):
            url = content.get("downloadUrl")
        elif kind.startswith("image/"):
            url = item.get("contentUrl")
        else:
            continue  # the message's own HTML, cards: not files
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            found.append((str(item.get("name") or "file"), url))
    return tuple(found)


async def _downloads(activity: Activity) -> list[headless.IncomingFile]:
    origin = _origin(activity.service_url)
    links = []
    for name, url in activity.attachments:
        # The bot's token goes only to the Bot Framework that sent the activity.
        headers = (
            {"Authorization": f"Bearer {await connector_token()}"} if _origin(url) == origin else {}
        )
        links.append(headless.FileLink(name, url, headers))
    return await headless.download_files(links)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def _member(activity: Activity, member_id: str) -> tuple[str, str | None]:
    url = (
        f"{activity.service_url.rstrip('/')}/v3/conversations/"
        f"{quote(activity.conversation, safe='')}/members/{quote(member_id, safe='')}"
    )
    headers = {"Authorization": f"Bearer {await connector_token()}"}
    async with httpx.AsyncClient(timeout=15) as client:
        response = await client.get(url, headers=headers)
    response.raise_for_status()
    data = response.json()
    email = data.get("email") or data.get("userPrincipalName") or None
    return str(data.get("name") or activity.name), email


async def handle(activity: Activity, member_id: str) -> None:
    who = await people.person("teams", activity.user, lambda: _member(activity, member_id))
    if who is None:
        await activity.sink().notice(people.refusal("teams"))
        return
    if activity.value:
        await headless.deliver_click(
            source="teams",
            external_id=activity.conversation,
            value=activity.value,
            make_sink=activity.sink,
            event={"id": activity.id},
        )
    else:
        await activity.sink().typing()
        await headless.deliver_message(
            source="teams",
            external_id=activity.conversation,
            person=who,
            text=activity.text,
            client_id=f"teams:{activity.id}"[:64],
            make_sink=activity.sink,
            event={"id": activity.id},
            files=(lambda: _downloads(activity)) if activity.attachments else None,
        )
