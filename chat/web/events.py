"""Websocket frames from the browser, parsed into typed events.

htmx's websocket extension sends a form as JSON: its fields plus a "HEADERS" object.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from chat.engine.storable import storable
from chat.web import mcp_frames
from chat.web.mcp_frames import McpPanelRequest

MAX_FRAME_BYTES = 256 * 1024
MAX_CLIENT_ID = 64
MAX_PROFILE_NAME = 100
SETTING_PREFIX = "setting:"
MAX_SETTING_CHARS = 8000
MODE_PREFIX = "mode:"
MAX_SETTING_ITEMS = 200


class MalformedFrame(ValueError):
    """A frame the server cannot act on; the message is shown to the user."""


@dataclass(frozen=True)
class UserMessage:
    content: str
    client_id: str
    file_ids: tuple[str, ...] = ()
    # The composer command chosen with the message ("" for none).
    command: str = ""
    # The option chosen in each of the composer's pickers: {mode id: option id}.
    modes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StopRequest:
    pass


@dataclass(frozen=True)
class AudioStart:
    """The microphone was pressed; the recording's pieces follow as binary frames."""


@dataclass(frozen=True)
class AudioEnd:
    """The recording ended as the user meant (pressed again, or silence)."""


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


@dataclass(frozen=True)
class ProfileChoice:
    name: str


@dataclass(frozen=True)
class SettingsUpdate:
    """Chat settings as the panel's form sends them: {widget id: raw value}."""

    values: dict[str, Any]


@dataclass(frozen=True)
class SettingsEdit:
    """The panel's values while the user changes them, before Save."""

    values: dict[str, Any]


@dataclass(frozen=True)
class EditMessage:
    message_id: str
    content: str


@dataclass(frozen=True)
class RegenerateRequest:
    pass


@dataclass(frozen=True)
class WindowMessage:
    """The page that embeds the copilot widget posted the assistant a message."""

    data: object


@dataclass(frozen=True)
class ElementCall:
    """A custom element's call from the page: new props, delete, an action, a submission."""

    element_id: str
    op: str
    data: object


@dataclass(frozen=True)
class CopilotResult:
    """The host page's result of a CopilotFunction call."""

    call_id: str
    result: object


Event = (
    UserMessage
    | StopRequest
    | AudioStart
    | AudioEnd
    | ActionClick
    | AskActionReply
    | AskFilesReply
    | EditMessage
    | RegenerateRequest
    | ProfileChoice
    | SettingsUpdate
    | SettingsEdit
    | WindowMessage
    | ElementCall
    | CopilotResult
    | McpPanelRequest
)


# What a custom element may ask (chat.engine.custom_elements).
ELEMENT_OPS = ("update", "delete", "action", "submit")


def _json_field(data: dict, name: str) -> object:
    """A field the copilot page sends as JSON text (any JSON value)."""
    try:
        return json.loads(_text_field(data, name, limit=MAX_FRAME_BYTES))
    except ValueError:
        raise MalformedFrame(f"The field {name!r} must be JSON.") from None


def _text_field(data: dict, name: str, *, limit: int) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise MalformedFrame(f"The field {name!r} must be text.")
    if len(value) > limit:
        raise MalformedFrame(
            _("The text is too long (at most %(count)d characters).") % {"count": limit}
        )
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


def _setting_value(value: object) -> Any:
    """A value as a form sends it: text, a list of texts, or JSON's plain scalars."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str) and len(value) <= MAX_SETTING_CHARS:
        return value
    if (
        isinstance(value, list)
        and len(value) <= MAX_SETTING_ITEMS
        and all(isinstance(v, str) and len(v) <= MAX_SETTING_CHARS for v in value)
    ):
        return value
    raise MalformedFrame("A setting's value must be text, a number or a list of texts.")


def _settings_values(data: dict) -> dict[str, Any]:
    """The panel's fields are named "setting:<id>"; any other field is refused."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("type", "HEADERS"):
            continue
        if not key.startswith(SETTING_PREFIX):
            raise MalformedFrame(f"Unknown field in the settings: {key[:64]!r}.")
        values[key[len(SETTING_PREFIX) :]] = _setting_value(value)
    return values


def parse_frame(text: str | None) -> Event:
    if text is None:
        raise MalformedFrame("Binary frames are not accepted.")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
        raise MalformedFrame("The frame is too large.")
    try:
        data = storable(json.loads(text))
    except ValueError:
        raise MalformedFrame("The frame is not valid JSON.") from None
    if not isinstance(data, dict):
        raise MalformedFrame("The frame must be a JSON object.")
    kind = data.get("type")
    if kind == "message":
        content = _text_field(data, "content", limit=settings.CHAT_MAX_MESSAGE_CHARS).strip()
        file_ids = _id_list(data.get("file_ids"))
        if not content and not file_ids:
            raise MalformedFrame(_("The message is empty."))
        client_id = _text_field(data, "client_id", limit=MAX_CLIENT_ID)
        command = _text_field(data, "command", limit=MAX_CLIENT_ID).strip()
        modes = {
            key[len(MODE_PREFIX) :]: _text_field(data, key, limit=MAX_CLIENT_ID)
            for key in data
            if key.startswith(MODE_PREFIX)
        }
        return UserMessage(
            content=content, client_id=client_id, file_ids=file_ids, command=command, modes=modes
        )
    if kind == "stop":
        return StopRequest()
    if kind == "audio_start":
        return AudioStart()
    if kind == "audio_end":
        return AudioEnd()
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
    if kind == "edit":
        content = _text_field(data, "content", limit=settings.CHAT_MAX_MESSAGE_CHARS).strip()
        if not content:
            raise MalformedFrame(_("The message is empty."))
        return EditMessage(
            message_id=_text_field(data, "message_id", limit=MAX_CLIENT_ID), content=content
        )
    if kind == "regenerate":
        return RegenerateRequest()
    if kind == "profile":
        return ProfileChoice(name=_text_field(data, "profile", limit=MAX_PROFILE_NAME))
    if kind == "settings":
        return SettingsUpdate(values=_settings_values(data))
    if kind == "settings_edit":
        return SettingsEdit(values=_settings_values(data))
    if kind == "window_message":
        return WindowMessage(data=_json_field(data, "data"))
    if kind == "element_call":
        op = _text_field(data, "op", limit=MAX_CLIENT_ID)
        if op not in ELEMENT_OPS:
            raise MalformedFrame(f"Unknown element call: {op!r}.")
        return ElementCall(
            element_id=_text_field(data, "element_id", limit=MAX_CLIENT_ID),
            op=op,
            data=_json_field(data, "data") if data.get("data") else None,
        )
    if kind == "copilot_result":
        return CopilotResult(
            call_id=_text_field(data, "call", limit=MAX_CLIENT_ID),
            result=_json_field(data, "result"),
        )
    if isinstance(kind, str) and kind in mcp_frames.ACTIONS:
        try:
            return mcp_frames.parse(kind, data)
        except mcp_frames.McpFrameError as error:
            raise MalformedFrame(str(error)) from None
    raise MalformedFrame(f"Unknown frame type: {kind!r}.")
