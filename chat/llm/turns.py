"""What every provider speaks: one turn of the model, its tool calls, the text callback."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass
class Turn:
    """What the model said in one call: text and/or tool calls, and what it cost."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    model: str = ""
    input_tokens: int | None = None
    output_tokens: int | None = None
    # Input tokens served from the provider's prompt cache, when it says (part of input).
    cached_tokens: int | None = None


OnText = Callable[[str], Awaitable[None]]


class Model(Protocol):
    provider: str
    # The endpoint's host (and port), named in the log when a call fails.
    host: str
    model: str
    settings: dict[str, Any]

    async def turn(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], on_text: OnText
    ) -> Turn: ...

    async def close(self) -> None: ...
