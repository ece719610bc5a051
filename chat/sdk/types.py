"""Plain data types of the public API, shaped as Chainlit's."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, TypedDict

from chat.engine.audio import InputAudioChunk
from chat.sdk.feedback import Feedback

# Chainlit apps import these from `chainlit.types` as often as from `chainlit`.
from chat.sdk.profiles import ChatProfile, Starter, StarterCategory


@dataclass
class User:
    identifier: str
    display_name: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    # Chainlit's User is a dataclasses-json class: apps keep it in a cookie or a cache as
    # JSON and read it back.
    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), default=str)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> User:
        names = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})

    @classmethod
    def from_json(cls, text: str) -> User:
        return cls.from_dict(json.loads(text))


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
    tags: list[str] | None
    language: str | None
    command: str | None
    modes: dict[str, str] | None
    waitForAnswer: bool | None
    defaultOpen: bool | None
    autoCollapse: bool | None
    showInput: bool | str | None
    generation: dict[str, Any] | None


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


class FeedbackDict(TypedDict):
    forId: str
    id: str | None
    value: Literal[0, 1]
    comment: str | None


class CommandDict(TypedDict, total=False):
    """A command of `cl.context.emitter.set_commands`: its id, description, icon name, and
    whether it is a composer button and stays selected."""

    id: str
    description: str
    icon: str
    button: bool | None
    persistent: bool | None


class FileDict(TypedDict):
    id: str
    name: str
    path: Path
    size: int
    type: str


class AskActionResponse(TypedDict):
    """What `cl.AskActionMessage(...).send()` answers: the chosen action's fields."""

    name: str
    payload: dict[str, Any]
    label: str
    tooltip: str
    forId: str
    id: str


class AskElementResponse(TypedDict, total=False):
    submitted: bool


@dataclass
class AskFileResponse:
    id: str
    name: str
    path: str
    size: int
    type: str


__all__ = [
    "AskActionResponse",
    "AskElementResponse",
    "AskFileResponse",
    "ChatProfile",
    "CommandDict",
    "ElementDict",
    "Feedback",
    "FeedbackDict",
    "FileDict",
    "InputAudioChunk",
    "InputAudioChunkPayload",
    "OutputAudioChunk",
    "Starter",
    "StarterCategory",
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
