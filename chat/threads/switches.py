"""A thread's profile switches as stored (`metadata["config_overrides"]`, written by
chat.engine.profile_config from the profile's `config_overrides`): what the pages, the
socket and the upload endpoint read to decide, each falling back to its setting."""

from __future__ import annotations

from typing import Any

from django.conf import settings

KEY = "config_overrides"
COT_MODES = ("hidden", "tool_call", "full")


def of(metadata: dict[str, Any] | None) -> dict[str, Any]:
    """The switches kept on a thread (its `metadata`)."""
    found = (metadata or {}).get(KEY)
    return found if isinstance(found, dict) else {}


def cot(metadata: dict[str, Any] | None) -> str:
    """How the thread's steps show: its profile's `cot`, else CHAT_COT."""
    return of(metadata).get("cot") or settings.CHAT_COT


def mcp_on(metadata: dict[str, Any] | None) -> bool:
    """Whether the thread's profile leaves tool servers on (the assistant decides the rest)."""
    return of(metadata).get("mcp") is not False


def voice_on(metadata: dict[str, Any] | None) -> bool:
    """Whether the thread's profile leaves the microphone on (the assistant decides the rest)."""
    return of(metadata).get("voice") is not False


def settings_open(metadata: dict[str, Any] | None) -> bool:
    """Whether the chat settings open at first (Chainlit's default_chat_settings_open):
    the profile's choice, else CHAT_SETTINGS_OPEN."""
    found = of(metadata).get("settings_open")
    return settings.CHAT_SETTINGS_OPEN if found is None else found
