"""Anthropic's Messages API, through the `anthropic` client.

The conversation comes in OpenAI's format and is translated: the system prompt moves to
its own field, tool calls become `tool_use` blocks and tool results `tool_result` blocks.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from chat.llm.errors import LLMError, endpoint_host, failed
from chat.llm.turns import OnText, ToolCall, Turn


def to_anthropic(
    messages: list[dict[str, Any]],
) -> tuple[str, list[dict[str, Any]]]:
    """(system prompt, messages) in Anthropic's format."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    converted: list[dict[str, Any]] = []
    for message in messages:
        role = message["role"]
        if role == "system":
            continue
        if role == "tool":
            block = {
                "type": "tool_result",
                "tool_use_id": message["tool_call_id"],
                "content": message["content"],
            }
            # Results of one turn's calls go back together, in one user message.
            if converted and converted[-1]["role"] == "user" and converted[-1].get("results"):
                converted[-1]["content"].append(block)
            else:
                converted.append({"role": "user", "content": [block], "results": True})
            continue
        if role == "assistant" and message.get("tool_calls"):
            blocks: list[dict[str, Any]] = []
            if message.get("content"):
                blocks.append({"type": "text", "text": message["content"]})
            for call in message["tool_calls"]:
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": call["id"],
                        "name": call["function"]["name"],
                        "input": json.loads(call["function"]["arguments"] or "{}"),
                    }
                )
            converted.append({"role": "assistant", "content": blocks})
            continue
        converted.append({"role": role, "content": message["content"]})
    for message in converted:
        message.pop("results", None)
    return system, converted


def to_anthropic_tools(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "name": t["function"]["name"],
            "description": t["function"].get("description", ""),
            "input_schema": t["function"].get("parameters") or {"type": "object"},
        }
        for t in tools
    ]


class AnthropicModel:
    provider = "anthropic"

    def __init__(self) -> None:
        # Optional dependency: anthropic (the "anthropic" extra).
        import anthropic

        self.model = settings.CHAT_LLM_MODEL
        self.client = anthropic.AsyncAnthropic(
            api_key=settings.CHAT_LLM_API_KEY or "none",
            base_url=settings.CHAT_LLM_BASE_URL or None,
            timeout=settings.CHAT_LLM_TIMEOUT,
            max_retries=settings.CHAT_LLM_MAX_RETRIES,
        )
        # Where the client sends its calls (its library may read the URL from the environment).
        self.host = endpoint_host(str(self.client.base_url), "api.anthropic.com")
        # Anthropic requires a ceiling on the answer's length.
        self.settings: dict[str, Any] = {"max_tokens": settings.CHAT_LLM_MAX_TOKENS}
        if settings.CHAT_LLM_TEMPERATURE is not None:
            self.settings["temperature"] = settings.CHAT_LLM_TEMPERATURE

    async def turn(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], on_text: OnText
    ) -> Turn:
        system, converted = to_anthropic(messages)
        turn = Turn(model=self.model)
        received = False
        try:
            async with self.client.messages.stream(
                model=self.model,
                messages=converted,  # type: ignore[arg-type]
                **({"system": system} if system else {}),
                **({"tools": to_anthropic_tools(tools)} if tools else {}),
                **self.settings,
            ) as stream:
                async for event in stream:
                    received = True
                    if event.type == "text" and event.text:
                        turn.text += event.text
                        await on_text(event.text)
                final = await stream.get_final_message()
        except Exception as error:
            raise failed(self, error, received=received) from error
        if final.stop_reason is None:
            cut = LLMError("disconnected", "the stream ended before the answer did")
            raise failed(self, cut, received=True)
        turn.model = final.model or turn.model
        # Anthropic counts cached input apart from input_tokens: the input is all three.
        cache_read = final.usage.cache_read_input_tokens or 0
        cache_written = final.usage.cache_creation_input_tokens or 0
        turn.input_tokens = final.usage.input_tokens + cache_read + cache_written
        turn.cached_tokens = cache_read if final.usage.cache_read_input_tokens is not None else None
        turn.output_tokens = final.usage.output_tokens
        turn.tool_calls = [
            ToolCall(block.id, block.name, dict(block.input or {}))
            for block in final.content
            if block.type == "tool_use"
        ]
        return turn

    async def close(self) -> None:
        await self.client.close()
