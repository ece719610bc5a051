"""Mistral's API, through the `mistralai` client (its messages are shaped as OpenAI's)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from chat.llm.errors import LLMError, endpoint_host, failed
from chat.llm.openai_chat import parse_arguments
from chat.llm.turns import OnText, ToolCall, Turn


class MistralModel:
    provider = "mistral"

    def __init__(self) -> None:
        # Optional dependency: mistralai (the "mistralai" extra).
        from mistralai.client import Mistral

        self.model = settings.CHAT_LLM_MODEL
        self.client = Mistral(
            api_key=settings.CHAT_LLM_API_KEY or "none",
            server_url=settings.CHAT_LLM_BASE_URL or None,
            timeout_ms=int(settings.CHAT_LLM_TIMEOUT * 1000),
        )
        # Where the client sends its calls (its library may read the URL from the environment).
        self.host = endpoint_host(
            self.client.sdk_configuration.get_server_details()[0], "api.mistral.ai"
        )
        self.settings: dict[str, Any] = {}
        if settings.CHAT_LLM_TEMPERATURE is not None:
            self.settings["temperature"] = settings.CHAT_LLM_TEMPERATURE

    async def turn(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], on_text: OnText
    ) -> Turn:
        turn = Turn(model=self.model)
        calls: list[ToolCall] = []
        received = finished = False
        try:
            events = await self.client.chat.stream_async(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                **({"tools": tools} if tools else {}),
                **self.settings,
            )
            async for event in events:
                received = True
                chunk = event.data
                turn.model = chunk.model or turn.model
                if chunk.usage:
                    turn.input_tokens = chunk.usage.prompt_tokens
                    turn.output_tokens = chunk.usage.completion_tokens
                for choice in chunk.choices:
                    finished = finished or bool(choice.finish_reason)
                    content = choice.delta.content
                    if isinstance(content, str) and content:
                        turn.text += content
                        await on_text(content)
                    for call in choice.delta.tool_calls or []:
                        arguments = call.function.arguments
                        if not isinstance(arguments, str):
                            arguments = json.dumps(arguments)
                        calls.append(
                            ToolCall(
                                str(call.id) if call.id else f"call_{len(calls)}",
                                call.function.name,
                                parse_arguments(arguments),
                            )
                        )
        except Exception as error:
            raise failed(self, error, received=received) from error
        if not finished:
            cut = LLMError("disconnected", "the stream ended before the answer did")
            raise failed(self, cut, received=True)
        turn.tool_calls = calls
        return turn

    async def close(self) -> None:
        await self.client.__aexit__(None, None, None)
