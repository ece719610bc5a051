"""`cl.context`: what the running hook belongs to (its session, its current step)."""

from __future__ import annotations

from typing import Any

from chat.engine.context import current_session, current_step, require_session


class ChatContextView:
    @property
    def session(self) -> Any:
        return require_session()

    @property
    def current_step(self) -> Any:
        return current_step.get()

    @property
    def has_session(self) -> bool:
        return current_session.get() is not None


context = ChatContextView()
