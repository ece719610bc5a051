"""The model behind the default assistant, chosen by settings (CHAT_LLM_*).

Each provider module adapts one client library (openai, including Azure OpenAI and any
OpenAI-compatible server; anthropic; mistralai) to the same small interface: stream one
turn of a conversation given in OpenAI's message format, with tools, calling `on_text`
for each piece of text, and return the whole turn. Errors come out as `LLMError`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings

from .errors import LLMError

__all__ = ["LLMError", "Model", "ToolCall", "Turn", "configured", "from_settings"]


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


def configured() -> bool:
    """Whether a model is configured; without one the default assistant is the offline demo."""
    return bool(settings.CHAT_LLM_MODEL)


def from_settings() -> Model:
    """A client for the configured model (a new one per use: clients bind to an event loop)."""
    provider = settings.CHAT_LLM_PROVIDER
    if provider == "anthropic":
        from .anthropic_chat import AnthropicModel

        return AnthropicModel()
    if provider == "mistral":
        from .mistral_chat import MistralModel

        return MistralModel()
    from .openai_chat import OpenAIModel

    return OpenAIModel()
