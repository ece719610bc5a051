"""The run context, held in ContextVars so that it follows the call stack and tasks."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .session import ChatSession

current_session: ContextVar[ChatSession | None] = ContextVar("current_session", default=None)


class NoChatContextError(RuntimeError):
    pass


def require_session() -> ChatSession:
    session = current_session.get()
    if session is None:
        raise NoChatContextError(
            "No chat context: this call must run inside an assistant hook "
            "(on_chat_start, on_message, ...)."
        )
    return session


# The step being run: nesting follows the call stack, and tasks copy it when created.
current_step: ContextVar[Any] = ContextVar("current_step", default=None)
