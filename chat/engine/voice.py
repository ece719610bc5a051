"""The chat session's voice: a recording's start, pieces and end, and audio back out.

A mixin of chat.engine.session.ChatSession (see chat.engine.audio for the rules)."""

from __future__ import annotations

import contextvars
import logging
from typing import Any, Literal

from asgiref.sync import sync_to_async
from django.conf import settings
from django.templatetags.static import static
from django.utils.translation import gettext as _

from chat.engine import rate_limits
from chat.engine.audio import (
    AudioLimits,
    AudioRefused,
    Recording,
    chunk_frame,
    longest_notice,
    output_frame,
    send_to_socket,
)
from chat.engine.background import spawn
from chat.engine.context import current_session
from chat.engine.registry import call_hook, hooks
from chat.engine.shutdown import drain
from chat.threads import switches
from chat.usage import quotas

logger = logging.getLogger(__name__)


def page_context(metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """The composer's microphone (the chat page's and the copilot panel's), when the
    assistant listens (it defines on_audio_chunk) and the thread's profile (its
    `metadata`) leaves voice on."""
    if hooks.on_audio_chunk is None or not switches.voice_on(metadata):
        return {}
    return {
        "voice_rate": settings.CHAT_AUDIO_SAMPLE_RATE,
        "voice_worklet": static("chat/voice_worklet.js"),
    }


class Voice:
    # The socket this session belongs to (None for a headless one: no audio out).
    channel_name: str | None = None
    _recording: Recording | None = None
    # The server ended or dropped the recording: pieces the page sent before it heard so
    # are let fall quietly, until the page starts or ends one itself.
    _cut_short = False

    # -- a recording in --------------------------------------------------------------------
    def _check_voice_on(self: Any) -> None:
        if hooks.on_audio_chunk is None:
            raise AudioRefused(_("This assistant does not listen to voice."))
        if not switches.voice_on(self.switch_metadata):
            raise AudioRefused(_("Voice is off in this chat."))

    async def audio_start(self) -> None:
        """The user pressed the microphone: `on_audio_start` may refuse."""
        try:
            accepted = await self._admit_recording()
        except BaseException:
            # The page waits for a yes or a no: a no, and the notice says why.
            await self.update_audio_connection("off", explained=True)
            raise
        if not accepted:
            await self.update_audio_connection("off")
            return
        recording = Recording(AudioLimits.from_settings())
        recording.worker = self._spawn_in_session(self._feed(recording), "audio")
        self._recording = recording
        await self.update_audio_connection("on")

    async def _admit_recording(self) -> bool:
        await self._follow_stored_switches()
        self._check_voice_on()
        await self._abort_recording()
        self._cut_short = False
        drain.refuse_new_runs()
        await rate_limits.check_run_rate(self.user)
        await sync_to_async(quotas.check)(self.user)
        if hooks.on_audio_start is None:
            return True
        return await self._in_session(hooks.on_audio_start) is not False

    async def audio_chunk(self, data: bytes) -> None:
        """A piece of the open recording (a binary frame)."""
        self._check_voice_on()
        recording = self._recording
        if recording is None and self._cut_short:
            return
        if recording is None:
            raise AudioRefused(_("No recording is open: press the microphone to start one."))
        try:
            chunk, full = recording.take(data)
        except AudioRefused:
            await self._abort_recording(explained=True)
            raise
        recording.pieces.put_nowait(chunk)
        if full:
            await self.audio_end()
            self._cut_short = True
            await self.emitter.notice(longest_notice(recording.limits), level="info")

    async def audio_end(self) -> None:
        """The user ended the recording: once every piece is handed over, `on_audio_end`
        runs as any answer does (one run at a time, Stop ends it)."""
        recording, self._recording = self._recording, None
        if recording is None:
            self._cut_short = False
            return  # ended already (its longest length, or a refused piece)
        recording.pieces.put_nowait(None)
        await self.update_audio_connection("off")
        if recording.received:
            # Spoken to, as written to: the picker and the starters go.
            await self._hide_start()
        self._spawn_run(self._after_recording(recording), "audio-end")

    async def _after_recording(self, recording: Recording) -> None:
        if recording.worker is not None:
            await recording.worker
        if recording.broken or hooks.on_audio_end is None or recording.received == 0:
            return
        # Chainlit's older on_audio_end took the message's elements: none come with voice.
        await self._invoke(hooks.on_audio_end, [])

    async def _abort_recording(
        self, only: Recording | None = None, *, explained: bool = False
    ) -> None:
        """Drops the open recording (or `only` that one) whole: its end never runs."""
        recording = self._recording
        if recording is None or (only is not None and recording is not only):
            return
        self._recording = None
        self._cut_short = True
        recording.broken = True
        recording.pieces.put_nowait(None)
        if not self.closed:
            await self.update_audio_connection("off", explained=explained)

    async def _feed(self, recording: Recording) -> None:
        while (chunk := await recording.pieces.get()) is not None:
            if recording.broken:
                continue
            try:
                await call_hook(hooks.on_audio_chunk, chunk)
            except Exception as error:
                logger.exception("The assistant's on_audio_chunk failed")
                await self._abort_recording(only=recording, explained=True)
                recording.broken = True
                await self.send_error(f"{type(error).__name__}: {error}")

    def _context(self) -> contextvars.Context:
        context = contextvars.copy_context()
        context.run(current_session.set, self)
        return context

    async def _in_session(self, fn: Any, *args: Any) -> Any:
        """A hook's result, run as this session's (cl.user_session and the rest work)."""
        return await spawn(call_hook(fn, *args), name="audio-hook", context=self._context())

    def _spawn_in_session(self, coro: Any, label: str) -> Any:
        self._pending += 1

        async def counted() -> None:
            try:
                await coro
            finally:
                self._pending -= 1
                await self._detach_when_idle()

        return spawn(counted(), name=f"chat-{label}-{self.thread_id}", context=self._context())

    # -- audio out --------------------------------------------------------------------------
    async def send_audio_chunk(self, chunk: Any) -> None:
        frame = chunk_frame(chunk, settings.CHAT_AUDIO_SAMPLE_RATE)
        await send_to_socket(self.channel_name, frame)

    async def send_audio_interrupt(self) -> None:
        """What plays stops, and what was sent to play is dropped."""
        await send_to_socket(self.channel_name, output_frame({"type": "audio_interrupt"}))

    async def update_audio_connection(
        self, state: Literal["on", "off"], *, explained: bool = False
    ) -> None:
        """The microphone taken ("on") or let go ("off"); `explained`: a notice says why."""
        header = {"type": "audio_connection", "state": state}
        if explained:
            header["explained"] = True
        await send_to_socket(self.channel_name, output_frame(header))
