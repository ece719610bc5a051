"""The composer's buttons that a chat profile switches (attach, microphone, tool servers),
pushed out of band to every tab of the thread when its profile changes: the same partials
the page draws them from."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

FRAGMENTS = "chat/fragments/"


def switched_buttons(*, uploads_on: bool, voice: dict[str, Any], mcp_on: bool) -> str:
    """The attach button and the microphone as the profile has them; the tool-server
    button hidden when the profile turns servers off (when on, the session's panel shows
    it once its servers are listed)."""
    html = render_to_string(
        FRAGMENTS + "attach_button.html", {"uploads_on": uploads_on, "oob": True}
    ) + render_to_string(FRAGMENTS + "voice_slot.html", {**voice, "oob": True})
    if not mcp_on:
        html += render_to_string(
            FRAGMENTS + "mcp_button.html", {"enabled": False, "connected": 0, "oob": True}
        )
    return html
