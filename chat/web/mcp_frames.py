"""Frames of the tool-server panel (the composer's plug button), parsed and bounded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_FIELD = 4000
FIELDS = ("name", "server_type", "url", "headers", "command", "args", "server", "on")
ACTIONS = {
    "mcp_add": "add",
    "mcp_remove": "remove",
    "mcp_reconnect": "reconnect",
    "mcp_switch": "switch",
}


class McpFrameError(ValueError):
    pass


@dataclass(frozen=True)
class McpPanelRequest:
    action: str  # add, remove, reconnect, switch
    fields: dict[str, str] = field(default_factory=dict)


def parse(kind: str, data: dict[str, Any]) -> McpPanelRequest:
    fields: dict[str, str] = {}
    for name in FIELDS:
        value = data.get(name, "")
        if isinstance(value, list):  # a checkbox sent twice
            value = value[-1] if value else ""
        if not isinstance(value, str) or len(value) > MAX_FIELD:
            raise McpFrameError(f"The field {name!r} must be text of at most {MAX_FIELD}.")
        fields[name] = value
    return McpPanelRequest(action=ACTIONS[kind], fields=fields)
