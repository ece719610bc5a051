"""What a Discord interaction means: who, in which conversation, asking or clicking.

Discord tells a bot no email address, so people are mapped through links made in the
admin (Platform accounts: platform Discord, the person's Discord user id); unknown
people are refused, or given a new account (with a placeholder address) when
CHAT_PLATFORM_UNKNOWN_USERS is "create". A person's conversation with the assistant in a
channel (or a Discord thread) is one thread of ours.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import Any

import httpx
from django.conf import settings

from chat.platforms import headless, people
from chat.platforms.discord.sink import DiscordSink

logger = logging.getLogger(__name__)

COMMAND, COMPONENT = 2, 3
# An option of the slash command that carries a file (register `/ask` with one or more).
ATTACHMENT = 11
COMMAND_NAME = "ask"


@dataclasses.dataclass(frozen=True)
class Interaction:
    id: str
    type: int
    token: str
    channel: str
    user: str
    name: str
    text: str = ""
    value: str = ""
    # (file name, CDN URL) of the files given in the command's attachment options.
    attachments: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Interaction:
        person = (data.get("member") or {}).get("user") or data["user"]
        kind = data["type"]
        fields: dict[str, Any] = {}
        if kind == COMMAND:
            if data["data"]["name"] != COMMAND_NAME:
                raise ValueError("unknown command")
            given = data["data"].get("options", [])
            options = {o["name"]: o.get("value") for o in given if o.get("type") != ATTACHMENT}
            fields["text"] = str(options.get("question") or "")
            resolved = (data["data"].get("resolved") or {}).get("attachments") or {}
            files = [
                resolved.get(str(o.get("value"))) for o in given if o.get("type") == ATTACHMENT
            ]
            fields["attachments"] = tuple(
                (str(f.get("filename") or "file"), str(f["url"]))
                for f in files
                if isinstance(f, dict) and isinstance(f.get("url"), str)
            )
        elif kind == COMPONENT:
            fields["value"] = str(data["data"]["custom_id"])
        else:
            raise ValueError("unknown interaction type")
        return cls(
            id=str(data["id"]),
            type=kind,
            token=str(data["token"]),
            channel=str(data["channel_id"]),
            user=str(person["id"]),
            name=str(person.get("global_name") or person.get("username") or person["id"]),
            **fields,
        )

    @property
    def conversation(self) -> str:
        return f"{self.channel}:{self.user}"

    def event(self) -> dict[str, Any]:
        return {"type": self.type, "token": self.token}


async def _downloads(interaction: Interaction) -> list[headless.IncomingFile]:
    """The command's files, from Discord's CDN (their URLs are signed: no token needed)."""
    links = [headless.FileLink(name, url) for name, url in interaction.attachments]
    return await headless.download_files(links)


async def handle(interaction: Interaction) -> None:
    async def profile() -> tuple[str, str | None]:
        return interaction.name, None  # no email from Discord

    who = await people.person("discord", interaction.user, profile)
    if who is None:
        sink = DiscordSink()
        sink.begin(interaction.event())
        await sink.notice(people.refusal("discord"))
        return
    if interaction.type == COMMAND:
        await headless.deliver_message(
            source="discord",
            external_id=interaction.conversation,
            person=who,
            text=interaction.text,
            client_id=f"discord:{interaction.id}"[:64],
            make_sink=DiscordSink,
            event=interaction.event(),
            files=(lambda: _downloads(interaction)) if interaction.attachments else None,
        )
    else:
        await headless.deliver_click(
            source="discord",
            external_id=interaction.conversation,
            value=interaction.value,
            make_sink=DiscordSink,
            event=interaction.event(),
        )


async def handle_message(message: dict[str, Any], text: str) -> None:
    """A message the bot read from the Gateway (a mention, a direct message): answered in
    the channel, in the person's conversation with the assistant (as `/ask` is)."""
    person = message["author"]
    name = str(person.get("global_name") or person.get("username") or person["id"])
    channel, user = str(message["channel_id"]), str(person["id"])

    async def profile() -> tuple[str, str | None]:
        return name, None  # no email from Discord

    event = {"channel_message": True, "channel_id": channel}
    who = await people.person("discord", user, profile)
    if who is None:
        sink = DiscordSink()
        sink.begin(event)
        await sink.notice(people.refusal("discord"))
        return
    links = [
        headless.FileLink(str(a.get("filename") or "file"), a["url"])
        for a in message.get("attachments") or []
        if isinstance(a, dict) and isinstance(a.get("url"), str)
    ]
    await _typing(channel)
    await headless.deliver_message(
        source="discord",
        external_id=f"{channel}:{user}",
        person=who,
        text=text,
        client_id=f"discord:{message['id']}"[:64],
        make_sink=DiscordSink,
        event=event,
        earlier=lambda: _earlier_lines(channel, str(message["id"])),
        files=(lambda: headless.download_files(links)) if links else None,
        # As Chainlit's key (there a discord.py Message): here the Gateway's message.
        values={"discord_message": message},
    )


async def _typing(channel: str) -> None:
    """ "Bot is typing…" in the channel until the answer comes (or 10 s pass), as Chainlit
    shows it; a bot that may not type still answers."""
    url = f"{settings.CHAT_DISCORD_API_URL.rstrip('/')}/channels/{channel}/typing"
    try:
        async with httpx.AsyncClient(timeout=15) as client:
            response = await client.post(
                url, headers={"Authorization": f"Bot {settings.CHAT_DISCORD_BOT_TOKEN}"}
            )
        response.raise_for_status()
    except httpx.HTTPError as error:
        logger.info("No typing indicator in %s: %s", channel, error)


def _author(person: Any) -> str:
    if not isinstance(person, dict):
        return ""
    return str(person.get("global_name") or person.get("username") or person.get("id") or "")


def _named_mentions(text: str, mentions: Any) -> str:
    """`<@123>` as `@name`, from the message's own list of the people it mentions."""
    names = {str(m.get("id")): _author(m) for m in mentions or [] if isinstance(m, dict)}

    def name(found: re.Match[str]) -> str:
        return "@" + (names.get(found.group(1)) or "someone")

    return re.sub(r"<@!?([^>\s]+)>", name, text)


async def _earlier_lines(channel: str, before: str) -> list[headless.EarlierLine]:
    """The channel (or Discord thread) before the bot was asked: its latest messages
    (permission Read Message History), oldest first, mentions shown as names."""
    url = f"{settings.CHAT_DISCORD_API_URL.rstrip('/')}/channels/{channel}/messages"
    async with httpx.AsyncClient(timeout=15) as client:
        response = await client.get(
            url,
            params={"before": before, "limit": str(headless.MAX_EARLIER_LINES)},
            headers={"Authorization": f"Bot {settings.CHAT_DISCORD_BOT_TOKEN}"},
        )
    response.raise_for_status()
    found = response.json()
    lines = []
    for message in reversed(found if isinstance(found, list) else []):
        if not isinstance(message, dict) or not isinstance(message.get("content"), str):
            continue
        author = message.get("author") or {}
        text = _named_mentions(message["content"], message.get("mentions"))
        by_bot = bool(isinstance(author, dict) and author.get("bot"))
        lines.append(headless.EarlierLine(_author(author) or "someone", text, by_bot))
    return lines
