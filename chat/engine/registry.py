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
    action_callbacks: dict[str, Hook] = field(default_factory=dict)
    jobs: dict[str, Hook] = field(default_factory=dict)

    def clear(self) -> None:
        fresh = HookRegistry()
        self.__dict__.update(fresh.__dict__)


# The assistant module fills this at import time, as Chainlit's config does.
hooks = HookRegistry()
