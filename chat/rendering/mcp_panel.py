"""The composer's tool-server panel (the plug button and its dialog's content): one partial
each, with stable ids, rendered for the page and pushed when a connection changes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

FRAGMENTS = "chat/fragments/"


def render(
    rows: list[dict[str, Any]],
    *,
    form_error: str = "",
    values: dict[str, str] | None = None,
    oob: bool = True,
) -> str:
    """The button (shown: the assistant takes tool servers) and the panel."""
    types = []
    if settings.CHAT_MCP_ALLOWED_HOSTS:
        types += ["streamable-http", "sse"]
    if settings.CHAT_MCP_STDIO_ALLOWED:
        types.append("stdio")
    context = {
        "enabled": True,
        "rows": rows,
        "connected": sum(1 for r in rows if r["state"] == "connected"),
        "form_error": form_error,
        "values": values or {},
        "types": types,
        "stdio_allowed": settings.CHAT_MCP_STDIO_ALLOWED,
        "oob": oob,
    }
    return render_to_string(FRAGMENTS + "mcp_button.html", context) + render_to_string(
        FRAGMENTS + "mcp_panel.html", context
    )
