"""What a Teams activity means: who wrote (their email from the connector's members API),
in which conversation, a question or a card button's click."""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from urllib.parse import quote

import httpx

from chat.platforms import headless, people
from chat.platforms.teams.auth import connector_token
from chat.platforms.teams.sink import BUTTON_KEY, TeamsSink

_MENTION = re.compile(r"<at>[^<]*</at>")


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
        )

    def sink(self) -> TeamsSink:
        return TeamsSink(self.service_url, self.conversation)


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
        await headless.deliver_message(
            source="teams",
            external_id=activity.conversation,
            person=who,
            text=activity.text,
            client_id=f"teams:{activity.id}"[:64],
            make_sink=activity.sink,
            event={"id": activity.id},
        )
