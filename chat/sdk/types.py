"""Plain data types of the public API, shaped as Chainlit's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from chat.engine.audio import InputAudioChunk
from chat.sdk.feedback import Feedback


@dataclass
class User:
    identifier: str
    display_name: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


class StepDict(TypedDict, total=False):
    id: str
    threadId: str
    parentId: str | None
    name: str
    type: str
    input: str
    output: str
    isError: bool
    streaming: bool
    createdAt: str
    start: str
    end: str
    metadata: dict[str, Any]


class ElementDict(TypedDict, total=False):
    id: str
    threadId: str
    type: str
    name: str
    display: Literal["inline", "side", "page"]
    url: str
    mime: str


class ThreadDict(TypedDict):
    id: str
    createdAt: str
    name: str | None
    userId: str | None
    userIdentifier: str | None
    tags: list[str]
    metadata: dict[str, Any]
    steps: list[StepDict]
    elements: list[ElementDict]


@dataclass
class AskFileResponse:
    id: str
    name: str
    path: str
    size: int
    type: str


__all__ = [
    "AskFileResponse",
    "ElementDict",
    "Feedback",
    "InputAudioChunk",
    "InputAudioChunkPayload",
    "OutputAudioChunk",
    "StepDict",
    "ThreadDict",
    "User",
]


class InputAudioChunkPayload(TypedDict):
    isStart: bool
    mimeType: str
    elapsedTime: float
    data: bytes


class OutputAudioChunk(TypedDict):
    """Audio for the page to play as it arrives (`cl.context.emitter.send_audio_chunk`):
    `data` PCM16 at `CHAT_AUDIO_SAMPLE_RATE` when `mimeType` is "pcm16"; pieces of one
    `track` play one after another."""

    track: str
    mimeType: str
    data: bytes
