"""The assistant's hooks, as registered by the decorators of the public API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Hook = Callable[..., Any]


@dataclass
class HookRegistry:
    on_chat_start: Hook | None = None
    on_message: Hook | None = None
    on_chat_end: Hook | None = None
    on_chat_resume: Hook | None = None
    on_stop: Hook | None = None
    # The copilot widget: a message the host page posted to the assistant.
    on_window_message: Hook | None = None
    set_chat_profiles: Hook | None = None
    set_starters: Hook | None = None
    on_settings_update: Hook | None = None
    author_rename: Hook | None = None
    on_logout: Hook | None = None
    on_app_startup: Hook | None = None
    on_app_shutdown: Hook | None = None
    # Sign-in: asked by accounts/ (backends, adapters, the SSO header middleware).
    password_auth_callback: Hook | None = None
    oauth_callback: Hook | None = None
    header_auth_callback: Hook | None = None
    action_callbacks: dict[str, Hook] = field(default_factory=dict)
    jobs: dict[str, Hook] = field(default_factory=dict)

    def clear(self) -> None:
        fresh = HookRegistry()
        self.__dict__.update(fresh.__dict__)


# The assistant module fills this at import time, as Chainlit's config does.
hooks = HookRegistry()
