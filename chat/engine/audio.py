"""Voice: a recording streamed in over the thread's socket, audio streamed back out.

A recording belongs to the socket that started it. Its pieces arrive as binary frames of
PCM16 (mono, little-endian) at `CHAT_AUDIO_SAMPLE_RATE`, checked here against the limits
before any hook sees them. A recording that breaks (a refused piece, a failed hook, the
socket gone) is dropped whole: `on_audio_end` runs only for one that ended as the user
meant, so no hook ever takes half a turn for a whole one.

Audio out goes to the recording socket alone (its channel), not to the thread's other
tabs: two tabs would otherwise speak over each other.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chat.errors import UserFacingError

# What the browser's worklet sends, and what Chainlit's client names it.
INPUT_MIME_TYPE = "pcm16"
# How far ahead of real time a page may send: a reconnecting network delivers a backlog
# at once, and the first pieces wait for the microphone's start.
BURST_SECONDS = 3.0
# The page sends a tenth of a second a piece: many more pieces a second than that is a
# page costing a hook call per handful of samples, whatever their bytes add up to.
PIECES_PER_SECOND = 50
# Output frames start with this header's length (2 bytes, big-endian), then the header
# (JSON), then the audio.
MAX_HEADER_BYTES = 4096


@dataclass
class InputAudioChunk:
    """A piece of the user's recording, as `@cl.on_audio_chunk` receives it: `data` is
    PCM16 (mono, little-endian) at `CHAT_AUDIO_SAMPLE_RATE`; `elapsedTime` the recording's
    length in milliseconds once this piece is in; `isStart` marks a recording's first."""

    isStart: bool
    mimeType: str
    elapsedTime: float
    data: bytes


class AudioRefused(UserFacingError):
    """A recording or one of its pieces the server does not take; the reason is shown."""


@dataclass(frozen=True)
class AudioLimits:
    sample_rate: int
    max_seconds: float
    max_chunk_bytes: int

    @classmethod
    def from_settings(cls) -> AudioLimits:
        return cls(
            sample_rate=settings.CHAT_AUDIO_SAMPLE_RATE,
            max_seconds=settings.CHAT_AUDIO_MAX_SECONDS,
            max_chunk_bytes=settings.CHAT_AUDIO_MAX_CHUNK_BYTES,
        )

    @property
    def bytes_per_second(self) -> int:
        return self.sample_rate * 2

    @property
    def max_total_bytes(self) -> int:
        # Whole samples only.
        return int(self.max_seconds * self.bytes_per_second) // 2 * 2


@dataclass
class Recording:
    """One recording, from its start to its end: what came in, and what is still to be
    handed to `on_audio_chunk` (in order, by one worker)."""

    limits: AudioLimits
    clock: Callable[[], float] = time.monotonic
    received: int = 0
    broken: bool = False
    # Token buckets, in seconds of audio and in pieces: what may arrive ahead of real
    # time, refilled as time passes but never beyond the burst (an idle recording does
    # not save up an allowance to spend at once later).
    audio_credit: float = BURST_SECONDS
    piece_credit: float = BURST_SECONDS * PIECES_PER_SECOND
    pieces: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    worker: asyncio.Task[Any] | None = None

    def __post_init__(self) -> None:
        self.started_at = self.clock()
        self._refilled_at = self.started_at

    def _spend(self, seconds: float) -> None:
        now = self.clock()
        passed, self._refilled_at = now - self._refilled_at, now
        self.audio_credit = min(BURST_SECONDS, self.audio_credit + passed)
        self.piece_credit = min(
            BURST_SECONDS * PIECES_PER_SECOND, self.piece_credit + passed * PIECES_PER_SECOND
        )
        if self.piece_credit < 1:
            raise AudioRefused(_("The audio came in too many small pieces: the recording stopped."))
        if seconds > self.audio_credit + 1e-9:  # sums of tenths are not exact
            raise AudioRefused(
                _("The audio came faster than it can be spoken: the recording stopped.")
            )
        self.piece_credit -= 1
        self.audio_credit -= seconds

    def take(self, data: bytes) -> tuple[Any, bool]:
        """The piece as the hook receives it, and whether the recording is now as long as
        it may be (then only its first part was kept). Raises AudioRefused."""
        limits = self.limits
        if not data or len(data) % 2:
            raise AudioRefused(
                _("That piece of audio was not 16-bit sound: the recording stopped.")
            )
        if len(data) > limits.max_chunk_bytes:
            raise AudioRefused(_("That piece of audio was too large: the recording stopped."))
        self._spend(len(data) / limits.bytes_per_second)
        room = limits.max_total_bytes - self.received
        full = len(data) >= room
        data = data[:room]
        is_start = self.received == 0
        self.received += len(data)
        chunk = InputAudioChunk(
            isStart=is_start,
            mimeType=INPUT_MIME_TYPE,
            elapsedTime=self.received / limits.bytes_per_second * 1000,
            data=bytes(data),
        )
        return chunk, full

    @property
    def seconds(self) -> float:
        return self.received / self.limits.bytes_per_second


def longest_notice(limits: AudioLimits) -> str:
    seconds = round(limits.max_seconds)
    return ngettext(
        "The recording reached its longest length (%(n)d second) and was sent.",
        "The recording reached its longest length (%(n)d seconds) and was sent.",
        seconds,
    ) % {"n": seconds}


# -- audio out ------------------------------------------------------------------------------
def output_frame(header: dict[str, Any], data: bytes = b"") -> bytes:
    """A binary frame for the page: the header says what the audio is (or what to do)."""
    raw = json.dumps(header, separators=(",", ":")).encode()
    if len(raw) > MAX_HEADER_BYTES:
        raise ValueError("The audio frame's header is too long.")
    return len(raw).to_bytes(2, "big") + raw + data


def chunk_frame(chunk: Any, sample_rate: int) -> bytes:
    """The frame for a `cl.OutputAudioChunk` (a dict with track, mimeType and data)."""
    if not isinstance(chunk, dict):
        raise TypeError("send_audio_chunk takes a cl.OutputAudioChunk (a dict).")
    data = chunk.get("data")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("An OutputAudioChunk's data must be bytes.")
    header = {
        "type": "audio_chunk",
        "track": str(chunk.get("track") or ""),
        "mimeType": str(chunk.get("mimeType") or INPUT_MIME_TYPE),
        # Not one of Chainlit's fields: audio made at another rate (a speech engine's own)
        # says so, and the page resamples it.
        "sampleRate": int(chunk.get("sampleRate") or sample_rate),
    }
    return output_frame(header, bytes(data))


async def send_to_socket(channel_name: str | None, frame: bytes) -> None:
    """To the socket that recorded; nothing when it is gone (the stored Audio element,
    if the assistant keeps one, is what a reload shows)."""
    if channel_name is None:
        return
    await get_channel_layer().send(channel_name, {"type": "chat.audio", "frame": frame})
