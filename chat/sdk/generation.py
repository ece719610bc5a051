"""Chainlit's generation records (`cl.ChatGeneration`, `cl.CompletionGeneration`,
`cl.GenerationMessage`): what an `llm` step's `step.generation` holds.

Chainlit takes them from literalai; here they are plain dataclasses with the same fields,
and `to_dict()` gives the generation as this project stores and shows it (model, provider,
token counts, timings), so that a call described this way is counted in the usage figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypedDict

GenerationMessageRole = Literal["user", "assistant", "tool", "function", "system"]


class GenerationMessage(TypedDict, total=False):
    uuid: str | None
    templated: bool | None
    name: str | None
    role: GenerationMessageRole | None
    content: str | list[dict[str, Any]] | None
    function_call: dict[str, Any] | None
    tool_calls: list[dict[str, Any]] | None
    tool_call_id: str | None


@dataclass
class BaseGeneration:
    """The fields both kinds share, named as in Chainlit. `tt_first_token` is in
    milliseconds and `duration` in seconds, as Chainlit's instrumentations record them."""

    type: ClassVar[str] = ""

    id: str | None = None
    prompt_id: str | None = None
    provider: str | None = None
    model: str | None = None
    error: str | None = None
    settings: dict[str, Any] | None = field(default_factory=dict)
    variables: dict[str, Any] | None = field(default_factory=dict)
    tags: list[str] | None = field(default_factory=list)
    metadata: dict[str, Any] | None = field(default_factory=dict)
    tools: list[dict[str, Any]] | None = None
    token_count: int | None = None
    input_token_count: int | None = None
    output_token_count: int | None = None
    tt_first_token: float | None = None
    token_throughput_in_s: float | None = None
    duration: float | None = None

    def to_dict(self) -> dict[str, Any]:
        stored: dict[str, Any] = {
            "type": self.type,
            "provider": self.provider,
            "model": self.model,
            "error": self.error,
            "settings": self.settings,
            "variables": self.variables,
            "tags": self.tags,
            "metadata": self.metadata,
            "tools": self.tools,
            "input_tokens": self.input_token_count,
            "output_tokens": self.output_token_count,
            "total_tokens": self.token_count,
            "tt_first_token_ms": self.tt_first_token,
            "duration_ms": None if self.duration is None else self.duration * 1000,
            "token_throughput_in_s": self.token_throughput_in_s,
        }
        if self.id:
            stored["id"] = self.id
        if self.prompt_id:
            stored["prompt_id"] = self.prompt_id
        return stored

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> ChatGeneration | CompletionGeneration:
        kind = CompletionGeneration if stored.get("type") == "COMPLETION" else ChatGeneration
        duration_ms = stored.get("duration_ms")
        common = {
            "id": stored.get("id"),
            "prompt_id": stored.get("prompt_id"),
            "provider": stored.get("provider"),
            "model": stored.get("model"),
            "error": stored.get("error"),
            "settings": stored.get("settings"),
            "variables": stored.get("variables"),
            "tags": stored.get("tags"),
            "metadata": stored.get("metadata"),
            "tools": stored.get("tools"),
            "token_count": stored.get("total_tokens"),
            "input_token_count": stored.get("input_tokens"),
            "output_token_count": stored.get("output_tokens"),
            "tt_first_token": stored.get("tt_first_token_ms"),
            "token_throughput_in_s": stored.get("token_throughput_in_s"),
            "duration": None if duration_ms is None else duration_ms / 1000,
        }
        if kind is CompletionGeneration:
            return CompletionGeneration(
                **common, prompt=stored.get("prompt"), completion=stored.get("completion")
            )
        return ChatGeneration(
            **common,
            messages=stored.get("messages"),
            message_completion=stored.get("message_completion"),
        )


@dataclass
class CompletionGeneration(BaseGeneration):
    """A completion: one prompt and the text the model wrote."""

    type: ClassVar[str] = "COMPLETION"

    prompt: str | None = None
    completion: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "prompt": self.prompt, "completion": self.completion}


@dataclass
class ChatGeneration(BaseGeneration):
    """A chat call: the messages sent and the message the model answered with."""

    type: ClassVar[str] = "CHAT"

    messages: list[GenerationMessage] | None = field(default_factory=list)
    message_completion: GenerationMessage | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "messages": self.messages,
            "message_completion": self.message_completion,
        }
