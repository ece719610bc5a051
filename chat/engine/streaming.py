"""Streamed tokens: coalesced into frames, saved in batches, kept alive while silent.

Per token the cost is an append and a clock read, so a long answer streams at the
same rate at its end as at its start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, Protocol

from django.conf import settings
from django.db import DatabaseError, models
from django.utils import timezone

from chat.engine import answer_starts, metrics, stream_saves
from chat.engine.background import spawn
from chat.engine.storable import storable_text
from chat.rendering import frames


class FrameSink(Protocol):
    """Where a stream's frames go: the thread's emitter."""

    async def push(self, html: str) -> None: ...


logger = logging.getLogger(__name__)

# How long a stream's producer steps aside after its first token (see StreamBuffer.add).
FIRST_TOKEN_HANDOFF_SECONDS = 0.002


class StreamBuffer:
    """The live text of one message (or step output) while it streams."""

    def __init__(
        self, emitter: FrameSink, target_id: str, model: type[models.Model], field: str, dom_id: str
    ) -> None:
        self.emitter = emitter
        self.message_id = target_id
        self.model = model
        self.field = field
        self.dom_id = dom_id
        self.parts: list[str] = []
        self._text_cache: str | None = ""
        self._pushed = 0  # parts[:_pushed] are already on the page
        self._saved_at = time.monotonic()
        self._pushed_at = 0.0
        self._frame = settings.CHAT_STREAM_FRAME_MS / 1000
        self._save_every = settings.CHAT_STREAM_SAVE_SECONDS
        self._lock = asyncio.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False
        self._keepalive = spawn(self._keep_alive(), name=f"stream-keepalive-{target_id}")

    @property
    def text(self) -> str:
        if self._text_cache is None:
            self._text_cache = "".join(self.parts)
        return self._text_cache

    async def add(self, token: str) -> None:
        if not token:
            return
        token = storable_text(token)
        metrics.token_streamed()
        self.parts.append(token)
        self._text_cache = None
        if self._pushed_at == 0.0:
            await self.flush()  # the first token at once: time to first token
            await self._after_first_token()
        elif self._closed:
            return
        elif self._timer is None:
            # Later tokens go out from the frame timer, never inline: a producer slowed
            # down by a busy server still sends full frames, not one per token.
            wait = max(0.0, self._pushed_at + self._frame - time.monotonic())
            self._timer = asyncio.get_running_loop().call_later(wait, self._flush_later)
        elif time.monotonic() - self._pushed_at > 2 * self._frame:
            # The timer is overdue: a producer that never waits gives the loop a turn, or
            # nothing shows until its end.
            await asyncio.sleep(0)

    async def _after_first_token(self) -> None:
        # Out of the process before the producer goes on: writing the message and its
        # first token to the socket takes the loop a few turns, which a producer that never
        # waits (tokens from memory, a model in this process) would not give it before its
        # frame timer is overdue. Once per stream.
        await asyncio.sleep(FIRST_TOKEN_HANDOFF_SECONDS)
        # The rest of the answer waits for the answers asked before it to start.
        await answer_starts.give_way()

    async def started_with(self, text: str) -> None:
        """Starts the stream from its first token, which went out inside its item (stored
        and shown with it, as Chainlit's stream start carries it): one frame less before the
        first words, and the rest of the tokens follow as after any first token."""
        self.seed(text)
        metrics.token_streamed()
        self._pushed_at = time.monotonic()
        await self._after_first_token()

    def seed(self, text: str) -> None:
        """Starts the stream from text the page already shows (streaming into a sent item)."""
        if text and not self.parts:
            self.parts.append(text)
            self._text_cache = text
            self._pushed = 1

    def set_text(self, text: str) -> None:
        """Replaces the text without a push: the final render shows it."""
        text = storable_text(text)
        self.parts = [text]
        self._text_cache = text
        self._pushed = 1

    async def replace(self, text: str) -> None:
        text = storable_text(text)
        async with self._lock:
            self.parts = [text]
            self._text_cache = text
            self._pushed = 1
            await self.emitter.push_frames(self._replaced_frames(text))

    async def catch_up(self) -> None:
        """Shows the whole text so far on every tab (a late tab has only what the database
        had). Under the lock, and with the pending tokens counted as pushed, so that the
        next frame does not append them a second time."""
        async with self._lock:
            self._pushed = len(self.parts)
            self._pushed_at = time.monotonic()
            await self.emitter.push_frames(self._replaced_frames(self.text))

    # -- what the page is sent (a message's stream shows its finished blocks formatted) ----
    def _appended_frames(self, chunk: str) -> list[str]:
        return frames.token_frames(self.dom_id, chunk)

    def _replaced_frames(self, text: str) -> list[str]:
        return frames.stream_text_frames(self.dom_id, text)

    def _flush_later(self) -> None:
        self._timer = None
        spawn(self.flush(), name=f"stream-flush-{self.message_id}")

    async def flush(self, *, save: bool = True) -> None:
        async with self._lock:
            if self._closed and save:
                return  # a frame timer that fired as the stream ended
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            end = len(self.parts)
            if end > self._pushed:
                chunk = "".join(self.parts[self._pushed : end])
                self._pushed = end
                self._pushed_at = time.monotonic()
                # A fast producer with wide tokens may have queued more than a frame holds.
                await self.emitter.push_frames(self._appended_frames(chunk))
            if save and time.monotonic() - self._saved_at >= self._save_every:
                await self.save()

    async def save(self) -> None:
        self._saved_at = time.monotonic()
        fields = {self.field: self.text}
        if self.field == "content":
            fields["updated_at"] = timezone.now()
        # With every other stream's save that waits, in one trip (see stream_saves).
        await stream_saves.save(self.model, self.message_id, fields)

    async def _keep_alive(self) -> None:
        # A silent stream (a model thinking) must not look like one whose server died.
        interval = max(0.5, min(settings.CHAT_STREAM_STALE_SECONDS / 4, 5.0))
        failing = False
        while True:
            await asyncio.sleep(interval)
            if time.monotonic() - self._saved_at >= interval:
                try:
                    await self.save()
                except DatabaseError:
                    # The next beat tries again; a stream that goes on is saved anyway.
                    if not failing:
                        logger.exception("Keeping stream %s alive failed", self.message_id)
                    failing = True
                else:
                    failing = False

    async def push_tail(self) -> None:
        """The tokens not on the page yet, now: ahead of the final render, which takes a
        database write and markdown, and so comes a moment later."""
        await self.flush(save=False)

    async def close(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._keepalive.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._keepalive


class MessageStream(StreamBuffer):
    """A message's stream: each block the text finishes (a paragraph, a list, a closed
    code fence...) goes to the page once, formatted; only the open block goes as text.

    Rendering a finished block costs about what its tokens cost to send, once: the cost
    per token stays flat however long the answer (bench (h), bench/answers.py).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._view = frames.MessageStreamFrames(self.message_id)

    def seed(self, text: str) -> None:
        if text and not self.parts:
            self._view = frames.MessageStreamFrames(self.message_id, text)
        super().seed(text)

    def set_text(self, text: str) -> None:
        super().set_text(text)
        self._view = frames.MessageStreamFrames(self.message_id, self.text)

    def _appended_frames(self, chunk: str) -> list[str]:
        return self._view.appended(chunk)

    def _replaced_frames(self, text: str) -> list[str]:
        return self._view.replaced(text)
