"""The default assistant's voice: it listens, and may answer aloud.

Listening: a recording is transcribed by a model behind an OpenAI-compatible
`/audio/transcriptions` when CHAT_STT_MODEL is set, or offline by PocketSphinx (its
English model ships with it) when that is installed; with neither, no microphone is
offered. The transcript becomes the user's message, with the recording as an Audio
element, and is answered as a typed one.

Speaking: with CHAT_TTS_MODEL set, the answer is read by an OpenAI-compatible
`/audio/speech`; else by espeak-ng where it is installed; else not at all. The speech
plays as it streams in and is kept under the answer as an Audio element.
"""

from __future__ import annotations

import asyncio
import io
import logging
import shutil
import threading
import wave
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings

import chat.sdk as cl

logger = logging.getLogger(__name__)

# The answer's speech goes to the page in pieces of this many bytes (a fifth of a second
# at 24 kHz), so that it starts playing before the whole of it has arrived.
PLAY_BYTES = 9600
# Speech engines' own rates: OpenAI's raw "pcm" format, and espeak-ng's.
SPEECH_RATE = 24000
ESPEAK_RATE = 22050
SPHINX_RATE = 16000
HEARD_NOTHING = "I could not make out any words. Try again, a little closer to the microphone."


def wav_of(pcm: bytes, rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    return out.getvalue()


# -- listening -------------------------------------------------------------------------------
def installed(*modules: str) -> bool:
    """Whether the voice extra's parts are there (pip install ".[voice]")."""
    try:
        for module in modules:
            __import__(module)
    except ImportError:
        return False
    return True


def can_listen() -> bool:
    if settings.CHAT_STT_MODEL:
        return installed("httpx")
    return installed("pocketsphinx", "numpy")


async def transcribe(pcm: bytes, rate: int) -> str:
    if settings.CHAT_STT_MODEL:
        return await transcribe_remote(wav_of(pcm, rate))
    return await asyncio.to_thread(transcribe_offline, pcm, rate)


async def transcribe_remote(wav: bytes) -> str:
    import httpx

    base = (settings.CHAT_STT_BASE_URL or "https://api.openai.com/v1").rstrip("/")
    async with httpx.AsyncClient(timeout=settings.CHAT_LLM_TIMEOUT) as client:
        response = await client.post(
            f"{base}/audio/transcriptions",
            headers={"Authorization": f"Bearer {settings.CHAT_STT_API_KEY}"},
            data={"model": settings.CHAT_STT_MODEL, "response_format": "json"},
            files={"file": ("recording.wav", wav, "audio/wav")},
        )
        response.raise_for_status()
        return str(response.json().get("text") or "").strip()


def resample(pcm: bytes, rate: int, to: int) -> bytes:
    import numpy as np

    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    if rate == to or not len(samples):
        return pcm
    count = int(len(samples) * to / rate)
    positions = np.arange(count) * (rate / to)
    return np.interp(positions, np.arange(len(samples)), samples).astype("<i2").tobytes()


# One decoder for the process, one recording at a time: loading the model takes about
# 0.6 s and 60 MB, more than decoding a short question.
_sphinx: Any = None
_sphinx_lock = threading.Lock()


def transcribe_offline(pcm: bytes, rate: int) -> str:
    """PocketSphinx's English model: no download, modest accuracy (see the README)."""
    global _sphinx
    audio = resample(pcm, rate, SPHINX_RATE)
    with _sphinx_lock:
        if _sphinx is None:
            from pocketsphinx import Decoder

            _sphinx = Decoder(samprate=SPHINX_RATE, loglevel="FATAL")
        _sphinx.start_utt()
        _sphinx.process_raw(audio, full_utt=True)
        _sphinx.end_utt()
        hypothesis = _sphinx.hyp()
    return hypothesis.hypstr.strip() if hypothesis is not None else ""


# -- speaking --------------------------------------------------------------------------------
def espeak() -> str | None:
    return shutil.which("espeak-ng")


async def speech_pieces(text: str) -> Any:
    """The answer's speech as (PCM16 bytes, its rate), a piece at a time; nothing when
    no voice is set up."""
    if settings.CHAT_TTS_MODEL:
        import httpx

        base = (settings.CHAT_TTS_BASE_URL or "https://api.openai.com/v1").rstrip("/")
        body = {
            "model": settings.CHAT_TTS_MODEL,
            "voice": settings.CHAT_TTS_VOICE,
            "input": text,
            "response_format": "pcm",
        }
        headers = {"Authorization": f"Bearer {settings.CHAT_TTS_API_KEY}"}
        async with (
            httpx.AsyncClient(timeout=settings.CHAT_LLM_TIMEOUT) as client,
            client.stream("POST", f"{base}/audio/speech", json=body, headers=headers) as response,
        ):
            response.raise_for_status()
            async for piece in response.aiter_bytes(PLAY_BYTES):
                yield piece, SPEECH_RATE
    elif (program := espeak()) is not None:
        process = await asyncio.create_subprocess_exec(
            program, "--stdout", "-v", "en", text,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        out, _ = await process.communicate()
        with wave.open(io.BytesIO(out)) as wav:
            rate, pcm = wav.getframerate(), wav.readframes(wav.getnframes())
        for start in range(0, len(pcm), PLAY_BYTES):
            yield pcm[start : start + PLAY_BYTES], rate


async def speak(answer: cl.Message) -> None:
    """Plays the answer as its speech arrives, then keeps it under the answer."""
    track = f"answer-{answer.id}"
    spoken, rate = bytearray(), SPEECH_RATE
    try:
        async for pcm, rate in speech_pieces(answer.content):
            spoken += pcm
            await cl.context.emitter.send_audio_chunk(
                {"track": track, "mimeType": "pcm16", "data": pcm, "sampleRate": rate}
            )
    except Exception as error:
        # The written answer stands; only its reading is missing.
        logger.warning("The answer could not be spoken: %s", error)
        return
    if spoken:
        audio = cl.Audio(name="answer.wav", mime="audio/wav", content=wav_of(bytes(spoken), rate))
        await audio.send(for_id=answer.id)


# -- the hooks -------------------------------------------------------------------------------
def listen(answer: Callable[[cl.Message], Awaitable[None]]) -> None:
    """Gives the assistant ears (when it can hear): `answer` answers the transcript as it
    answers a typed message."""
    if not can_listen():
        return

    @cl.on_audio_start
    async def recording_starts() -> bool:
        cl.user_session.set("voice_pieces", [])
        return True

    @cl.on_audio_chunk
    async def recording_piece(chunk: cl.InputAudioChunk) -> None:
        if chunk.isStart:
            cl.user_session.set("voice_pieces", [])
        cl.user_session.get("voice_pieces").append(chunk.data)

    @cl.on_audio_end
    async def recording_ends() -> None:
        pcm = b"".join(cl.user_session.get("voice_pieces") or [])
        cl.user_session.set("voice_pieces", [])
        rate = settings.CHAT_AUDIO_SAMPLE_RATE
        text = await transcribe(pcm, rate)
        if not text:
            await cl.Message(content=HEARD_NOTHING).send()
            return
        recording = cl.Audio(name="recording.wav", mime="audio/wav", content=wav_of(pcm, rate))
        user = cl.user_session.get("user")
        author = getattr(user, "display_name", None) or getattr(user, "identifier", None)
        question = cl.Message(
            content=text, author=author, type="user_message", elements=[recording]
        )
        await question.send()
        # The recording is the question's, shown with it; not a file to answer about.
        question.elements = []
        before = len(cl.chat_context.get())
        await answer(question)
        replies = [m for m in cl.chat_context.get()[before:] if m.type == "assistant_message"]
        if replies and replies[-1].content.strip():
            await speak(replies[-1])
