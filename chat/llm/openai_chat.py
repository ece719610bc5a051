"""OpenAI, Azure OpenAI, and any OpenAI-compatible server (vLLM, Ollama, LiteLLM, ...)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from chat.llm.errors import LLMError, endpoint_host, failed
from chat.llm.turns import OnText, ToolCall, Turn


def parse_arguments(text: str) -> dict[str, Any]:
    """A tool call's arguments; a model that wrote broken JSON gets them as one string."""
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {"input": text}
    return value if isinstance(value, dict) else {"input": value}


class OpenAIModel:
    provider = "openai"

    def __init__(self) -> None:
        # Optional dependency: openai (the "openai" extra).
        import openai

        common: dict[str, Any] = {
            "api_key": settings.CHAT_LLM_API_KEY or "none",
            "timeout": settings.CHAT_LLM_TIMEOUT,
            "max_retries": settings.CHAT_LLM_MAX_RETRIES,
        }
        self.model = settings.CHAT_LLM_MODEL
        if settings.CHAT_LLM_API_VERSION:
            # Azure names a deployment rather than a model; the deployment is the model here.
            self.provider = "azure-openai"
            self.client = openai.AsyncAzureOpenAI(
                azure_endpoint=settings.CHAT_LLM_BASE_URL,
                api_version=settings.CHAT_LLM_API_VERSION,
                azure_deployment=self.model,
                **common,
            )
        else:
            self.client = openai.AsyncOpenAI(base_url=settings.CHAT_LLM_BASE_URL or None, **common)
        # Where the client sends its calls (its library may read the URL from the environment).
        self.host = endpoint_host(str(self.client.base_url), "api.openai.com")
        self.settings: dict[str, Any] = {}
        if settings.CHAT_LLM_TEMPERATURE is not None:
            self.settings["temperature"] = settings.CHAT_LLM_TEMPERATURE

    async def turn(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], on_text: OnText
    ) -> Turn:
        turn = Turn(model=self.model)
        calls: dict[int, dict[str, str]] = {}
        received = finished = False
        try:
            stream = await self.client.chat.completions.create(
                model=self.model,
                messages=messages,
                stream=True,
                stream_options={"include_usage": True},
                **({"tools": tools} if tools else {}),
                **self.settings,
            )
            async for chunk in stream:
                received = True
                turn.model = chunk.model or turn.model
                if chunk.usage is not None:
                    turn.input_tokens = chunk.usage.prompt_tokens
                    turn.output_tokens = chunk.usage.completion_tokens
                    details = chunk.usage.prompt_tokens_details
                    if details is not None and details.cached_tokens is not None:
                        turn.cached_tokens = details.cached_tokens
                for choice in chunk.choices:
                    finished = finished or choice.finish_reason is not None
                    delta = choice.delta
                    if delta.content:
                        turn.text += delta.content
                        await on_text(delta.content)
                    for call in delta.tool_calls or []:
                        slot = calls.setdefault(call.index, {"id": "", "name": "", "arguments": ""})
                        slot["id"] = call.id or slot["id"]
                        if call.function is not None:
                            slot["name"] = call.function.name or slot["name"]
                            slot["arguments"] += call.function.arguments or ""
        except Exception as error:
            raise failed(self, error, received=received) from error
        if not finished:
            # The stream ended cleanly but without its last chunk: cut off on the way.
            cut = LLMError("disconnected", "the stream ended before the answer did")
            raise failed(self, cut, received=True)
        turn.tool_calls = [
            ToolCall(c["id"], c["name"], parse_arguments(c["arguments"]))
            for _, c in sorted(calls.items())
        ]
        return turn

    async def close(self) -> None:
        await self.client.close()
