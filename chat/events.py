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


@dataclass(frozen=True)
class StopRequest:
    pass


Event = UserMessage | StopRequest


def _text_field(data: dict, name: str, *, limit: int) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise MalformedFrame(f"The field {name!r} must be text.")
    if len(value) > limit:
        raise MalformedFrame(f"The field {name!r} is too long (at most {limit} characters).")
    return value


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
        if not content:
            raise MalformedFrame("The message is empty.")
        client_id = _text_field(data, "client_id", limit=MAX_CLIENT_ID)
        return UserMessage(content=content, client_id=client_id)
    if kind == "stop":
        return StopRequest()
    raise MalformedFrame(f"Unknown frame type: {kind!r}.")
