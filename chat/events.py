"""Websocket frames from the browser, parsed into typed events.

htmx's websocket extension sends a form as JSON: its fields plus a "HEADERS" object.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings

MAX_FRAME_BYTES = 256 * 1024
MAX_CLIENT_ID = 64


class MalformedFrame(ValueError):
    """A frame the server cannot act on; the message is shown to the user."""


@dataclass(frozen=True)
class UserMessage:
    content: str
    client_id: str
    file_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class StopRequest:
    pass


@dataclass(frozen=True)
class ActionClick:
    message_id: str
    action_id: str


@dataclass(frozen=True)
class AskActionReply:
    ask_id: str
    action_id: str


@dataclass(frozen=True)
class AskFilesReply:
    ask_id: str
    file_ids: tuple[str, ...]


Event = UserMessage | StopRequest | ActionClick | AskActionReply | AskFilesReply


def _text_field(data: dict, name: str, *, limit: int) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise MalformedFrame(f"The field {name!r} must be text.")
    if len(value) > limit:
        raise MalformedFrame(f"The field {name!r} is too long (at most {limit} characters).")
    return value


def _id_list(value: object) -> tuple[str, ...]:
    """Ids as htmx sends them: one string (maybe comma-separated) or a list of strings."""
    if value is None or value == "":
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise MalformedFrame("The file ids must be text.")
    ids = tuple(i.strip() for i in items if i.strip())
    if len(ids) > 100 or any(len(i) > MAX_CLIENT_ID for i in ids):
        raise MalformedFrame("Too many or too long file ids.")
    return ids


def parse_frame(text: str | None) -> Event:
    if text is None:
        raise MalformedFrame("Binary frames are not accepted.")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
        raise MalformedFrame("The frame is too large.")
    try:
        data = json.loads(text)
    except ValueError:
        raise MalformedFrame("The frame is not valid JSON.") from None
    if not isinstance(data, dict):
        raise MalformedFrame("The frame must be a JSON object.")
    kind = data.get("type")
    if kind == "message":
        content = _text_field(data, "content", limit=settings.CHAT_MAX_MESSAGE_CHARS).strip()
        file_ids = _id_list(data.get("file_ids"))
        if not content and not file_ids:
            raise MalformedFrame("The message is empty.")
        client_id = _text_field(data, "client_id", limit=MAX_CLIENT_ID)
        return UserMessage(content=content, client_id=client_id, file_ids=file_ids)
    if kind == "stop":
        return StopRequest()
    if kind == "action":
        return ActionClick(
            message_id=_text_field(data, "message_id", limit=MAX_CLIENT_ID),
            action_id=_text_field(data, "action_id", limit=MAX_CLIENT_ID),
        )
    if kind == "ask_action":
        return AskActionReply(
            ask_id=_text_field(data, "ask_id", limit=MAX_CLIENT_ID),
            action_id=_text_field(data, "action_id", limit=MAX_CLIENT_ID),
        )
    if kind == "ask_files":
        return AskFilesReply(
            ask_id=_text_field(data, "ask_id", limit=MAX_CLIENT_ID),
            file_ids=_id_list(data.get("file_ids")),
        )
    raise MalformedFrame(f"Unknown frame type: {kind!r}.")
