"""What every session that runs the assistant's code shares: the web's chat session, a
job's, a chat platform's. Stop, catching the tabs up, and answering a question exist here
once; each kind adds how it is reached (a socket, a worker, a platform's webhook)."""

from __future__ import annotations

import asyncio
from typing import Any

from asgiref.sync import sync_to_async

from chat.engine import control, metrics
from chat.engine.emitter import Emitter
from chat.engine.thread_view import ThreadView
from chat.usage import recording


class RunningSession:
    """The `Session` of chat.engine.context, as a base to build on."""

    def __init__(self, session_id: str, thread_id: Any, user: Any) -> None:
        self.id = session_id
        self.loop = asyncio.get_running_loop()
        self.thread_id = thread_id
        self.user = user
        self.emitter = Emitter(thread_id)
        self.user_session: dict[str, Any] = {}
        # The thread's messages as the public API's Message objects (chat_context).
        self.context_messages: list[Any] = []
        self.pending_asks: dict[str, asyncio.Future[Any]] = {}
        self.current_run: asyncio.Task[Any] | None = None
        # The thread's tags as stored (None: not read, for a session that never opened it).
        self.thread_tags: list[str] | None = None
        # The usage of the answer running now, when a quota admitted it.
        self.current_answer: recording.AnswerUsage | None = None
        # As Chainlit's session: the language the chat speaks, and for a browser's socket
        # the page it was opened from and its request headers (cookies left out).
        self.language: str | None = None
        self.http_referer: str | None = None
        self.environ: dict[str, str] = {}

    @property
    def thread(self) -> ThreadView:
        """`cl.context.session.thread`: its `tags` label the conversation."""
        return ThreadView(self)

    # Chainlit's session names these too; they read the same values as cl.user_session.
    @property
    def chat_profile(self) -> str | None:
        return self.user_session.get("chat_profile") or None

    @property
    def chat_settings(self) -> dict[str, Any]:
        return self.user_session.get("chat_settings") or {}

    @property
    def user_env(self) -> dict[str, str]:
        return self.user_session.get("env") or {}

    async def record_model_call(self, generation: dict[str, Any], *, is_error: bool) -> None:
        """Stores a model call's usage for the person this session runs for."""
        metrics.model_call(generation, is_error=is_error)
        await sync_to_async(recording.record)(
            user_id=getattr(self.user, "pk", None),
            thread_id=self.thread_id,
            chat_profile=str(self.user_session.get("chat_profile") or ""),
            generation=generation,
            is_error=is_error,
            answer=self.current_answer,
        )

    async def user_message_written(self, content: str) -> None:
        """The assistant wrote a message as the user's (a voice transcript, say); a chat
        session names its thread with it, as with a typed one."""

    async def stop(self) -> None:
        run = self.current_run
        if run is not None and not run.done():
            run.cancel()

    async def resync(self) -> None:
        # Only a running session speaks about the run state: an idle one must not tell the
        # tabs that nothing runs while another session streams an answer into the thread.
        await control.control().push_run_state(self, only_if_running=True)
        await self.emitter.resync()

    def answer(self, ask_id: str, answer: Any) -> None:
        """A question this session asked got its answer (from any tab, on any instance)."""
        waiting = self.pending_asks.get(ask_id)
        if waiting is not None and not waiting.done():
            waiting.set_result(answer)
