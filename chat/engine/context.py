"""The run context, held in ContextVars so that it follows the call stack and tasks."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from chat.engine.emitter import Emitter


class Session(Protocol):
    """What the public API and the engine's services use of a session that runs the
    assistant's code in a thread: the web's chat session, a job's, a chat platform's."""

    id: str
    thread_id: Any
    user: Any
    loop: asyncio.AbstractEventLoop
    emitter: Emitter
    user_session: dict[str, Any]
    # The thread's messages as the public API's Message objects (chat_context).
    context_messages: list[Any]
    pending_asks: dict[str, asyncio.Future[Any]]
    current_run: asyncio.Task[Any] | None

    async def stop(self) -> None: ...

    async def resync(self) -> None: ...

    def answer(self, ask_id: str, answer: Any) -> None: ...

    async def record_model_call(self, generation: dict[str, Any], *, is_error: bool) -> None: ...

    async def user_message_written(self, content: str) -> None: ...


current_session: ContextVar[Session | None] = ContextVar("current_session", default=None)


class NoChatContextError(RuntimeError):
    pass


def require_session() -> Session:
    session = current_session.get()
    if session is None:
        raise NoChatContextError(
            "No chat context: this call must run inside an assistant hook "
            "(on_chat_start, on_message, ...)."
        )
    return session


# The step being run: nesting follows the call stack, and tasks copy it when created.
current_step: ContextVar[Any] = ContextVar("current_step", default=None)
