"""`cl.context`: what the running hook belongs to (its session, its current step)."""

from __future__ import annotations

from typing import Any

from chat.engine.context import current_session, current_step, require_session

# Chainlit's `chainlit.context` also names the open steps.
from chat.sdk.step_stack import local_steps


class SessionEmitter:
    """`cl.context.emitter`: the calls Chainlit apps make on the session's emitter.

    Commands and settings belong to the session; anything else (`send_toast`, ...) is the
    session's emitter's own.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(require_session().emitter, name)

    async def set_commands(self, commands: list[dict[str, Any]]) -> None:
        """Offers commands in the composer ("/" menu, buttons); `[]` takes them away.

        Example:
            await cl.context.emitter.set_commands([
                {"id": "search", "description": "Search the web", "icon": "globe",
                 "button": True, "persistent": False},
            ])
        """
        await require_session().publish_commands(commands)

    async def set_modes(self, modes: list[Any]) -> None:
        """Offers pickers in the composer (`cl.Mode`s); `[]` takes them away. The options
        chosen reach each message as `message.modes`.

        Example:
            await cl.context.emitter.set_modes([
                cl.Mode(id="model", name="Model", options=[cl.ModeOption(id="fast", name="Fast")]),
            ])
        """
        await require_session().publish_modes(modes)

    async def send_audio_chunk(self, chunk: Any) -> None:
        """Plays audio on the page as it arrives: a `cl.OutputAudioChunk`, PCM16 at
        `CHAT_AUDIO_SAMPLE_RATE` ("pcm16"). Only the tab that recorded plays it; a
        session with no page (a job, Slack) drops it.

        Example:
            await cl.context.emitter.send_audio_chunk(
                cl.OutputAudioChunk(mimeType="pcm16", data=pcm, track=track_id)
            )
        """
        send = getattr(require_session(), "send_audio_chunk", None)
        if send is not None:
            await send(chunk)

    async def send_audio_interrupt(self) -> None:
        """Stops what the page is playing and drops what it has not played yet."""
        interrupt = getattr(require_session(), "send_audio_interrupt", None)
        if interrupt is not None:
            await interrupt()

    async def update_audio_connection(self, state: str) -> None:
        """Tells the page the microphone is taken ("on") or let go ("off")."""
        update = getattr(require_session(), "update_audio_connection", None)
        if update is not None:
            await update(state)

    def set_chat_settings(self, settings: dict[str, Any]) -> None:
        require_session().user_session["chat_settings"] = dict(settings)


class ChatContextView:
    @property
    def session(self) -> Any:
        return require_session()

    @property
    def emitter(self) -> SessionEmitter:
        """What sends to the page, as Chainlit's: `await cl.context.emitter.send_toast(...)`."""
        require_session()
        return SessionEmitter()

    @property
    def current_step(self) -> Any:
        return current_step.get()

    @property
    def has_session(self) -> bool:
        return current_session.get() is not None


context = ChatContextView()

__all__ = ["context", "local_steps"]
