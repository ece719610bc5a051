"""A chat profile's own switches (Chainlit's `ChatProfile(config_overrides=...)`).

A profile may turn uploads off or narrow them, turn sharing, tool servers (MCP) or voice
off, show steps another way (`cot`), or open the chat settings at first, for the
conversations that run with it. The switches are read from the assistant's profile when a
chat takes it, and kept on the thread (`metadata["config_overrides"]`), so that the upload
endpoint, the share button, the socket and the step view decide from the stored thread,
without asking the assistant again.

Uploads, sharing, MCP and voice only narrow: a profile turns off what the settings (and
the assistant) allow, never on what they do not. `cot` and the settings panel's first
state are how the chat shows, and the profile's choice replaces the setting.

Both shapes are read: Chainlit's nested one
(`{"features": {"spontaneous_file_upload": {"enabled": False}, "mcp": {"enabled": False},
"audio": {"enabled": False}}, "ui": {"cot": "hidden", "default_chat_settings_open": True}}`,
or objects with those attributes) and a flat one
(`{"uploads": False, "accept": ["image/*"], "max_files": 2, "max_size_mb": 5,
"sharing": False, "mcp": False, "voice": False, "cot": "hidden", "settings_open": True}`).
"""

from __future__ import annotations

import logging
from typing import Any

from chat.threads.switches import COT_MODES, KEY, of

logger = logging.getLogger(__name__)

# Read from the stored thread by chat.threads.switches (the pages below the engine read
# them too).
__all__ = ["KEY", "of", "parse"]


def _get(item: Any, name: str) -> Any:
    if item is None:
        return None
    if isinstance(item, dict):
        return item.get(name)
    return getattr(item, name, None)


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def parse(raw: Any) -> dict[str, Any]:
    """The switches a profile sets, checked; a wrong value is left out with a warning (the
    setting then decides), never a crash of the chat page."""
    if raw is None:
        return {}
    features, ui = _get(raw, "features"), _get(raw, "ui")
    upload = _get(features, "spontaneous_file_upload")
    mcp, audio = _get(features, "mcp"), _get(features, "audio")
    found = {
        "uploads": _first(_get(raw, "uploads"), _get(upload, "enabled")),
        "accept": _first(_get(raw, "accept"), _get(upload, "accept")),
        "max_files": _first(_get(raw, "max_files"), _get(upload, "max_files")),
        "max_size_mb": _first(_get(raw, "max_size_mb"), _get(upload, "max_size_mb")),
        "sharing": _first(
            _get(raw, "sharing"),
            _get(features, "sharing"),
            _get(features, "allow_thread_sharing"),
        ),
        "mcp": _first(_get(raw, "mcp"), _get(mcp, "enabled")),
        "voice": _first(_get(raw, "voice"), _get(audio, "enabled")),
        "cot": _first(_get(raw, "cot"), _get(ui, "cot")),
        "settings_open": _first(_get(raw, "settings_open"), _get(ui, "default_chat_settings_open")),
    }
    checked: dict[str, Any] = {}
    for name, value in found.items():
        if value is None:
            continue
        ok = _checked(name, value)
        if ok is None:
            logger.warning("config_overrides: %s=%r is not valid; the setting decides", name, value)
        else:
            checked[name] = ok
    return checked


def _checked(name: str, value: Any) -> Any:
    if name in ("uploads", "sharing", "mcp", "voice", "settings_open"):
        return value if isinstance(value, bool) else None
    if name == "accept":
        if isinstance(value, dict):  # Chainlit also takes {"image/*": [".png"]}
            value = list(value)
        if isinstance(value, list | tuple) and all(isinstance(v, str) and v for v in value):
            return list(value)
        return None
    if name == "max_files":
        return (
            value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
        )
    if name == "max_size_mb":
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return float(value) if number and value > 0 else None
    if name == "cot":
        return value if value in COT_MODES else None
    return None
