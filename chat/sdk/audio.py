"""Voice hooks, as Chainlit's: the composer's microphone streams the user's recording."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from chat.engine.registry import hooks

F = TypeVar("F", bound=Callable[..., Any])


def on_audio_start(func: F) -> F:
    """Runs when the user presses the microphone; return False to refuse the recording.

    Example:
        @cl.on_audio_start
        async def start():
            cl.user_session.set("audio_chunks", [])
            return True
    """
    hooks.on_audio_start = func
    return func


def on_audio_chunk(func: F) -> F:
    """Runs for each piece of the recording, in order, with a `cl.InputAudioChunk`. The
    microphone button is offered only when an assistant defines this hook.

    Example:
        @cl.on_audio_chunk
        async def chunk(chunk: cl.InputAudioChunk):
            cl.user_session.get("audio_chunks").append(chunk.data)
    """
    hooks.on_audio_chunk = func
    return func


def on_audio_end(func: F) -> F:
    """Runs when the recording ends (the user pressed the microphone again, or the page
    stopped after silence); a recording cut short by a lost connection does not end here.

    Example:
        @cl.on_audio_end
        async def end():
            pcm = b"".join(cl.user_session.get("audio_chunks"))
    """
    hooks.on_audio_end = func
    return func
