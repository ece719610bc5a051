"""`cl.instrument_mistralai()`: every chat call of the `mistralai` client becomes an `llm` step.

`chat.complete` / `complete_async` and `chat.stream` / `stream_async`, with tool calls;
Mistral's chunks are shaped as OpenAI's, so the reading is shared with that integration.
"""

from __future__ import annotations

from typing import Any

from chat.sdk.integrations.openai import (
    patch,
    read_chunk,
    read_completion,
    unpatch,
    wrap_async,
    wrap_sync,
)
from chat.sdk.integrations.steps import LLMCall, require


def _read_event(call: LLMCall, event: Any) -> None:
    """A streamed event carries its chunk in `.data`."""
    read_chunk(call, getattr(event, "data", event))


def _chat_class() -> type:
    require("mistralai", "mistralai", "cl.instrument_mistralai")
    # Optional dependency: mistralai (the "mistralai" extra).
    from mistralai.client.chat import Chat

    return Chat


def instrument_mistralai() -> None:
    """Shows every chat call made with the `mistralai` client as an `llm` step.

    Example:
        from mistralai.client import Mistral
        import chat.sdk as cl

        client = Mistral(api_key="...")
        cl.instrument_mistralai()

        @cl.on_message
        async def on_message(message: cl.Message):
            response = await client.chat.complete_async(
                model="mistral-small-latest", messages=cl.chat_context.to_openai()
            )
            await cl.Message(content=response.choices[0].message.content).send()
    """
    chat = _chat_class()
    whole = {"read_completion": read_completion, "streams": lambda kwargs: False}
    streamed = {"read_chunk": _read_event, "streams": lambda kwargs: True}
    patch(chat, "complete", lambda original: wrap_sync(original, "mistralai", **whole))
    patch(chat, "complete_async", lambda original: wrap_async(original, "mistralai", **whole))
    patch(chat, "stream", lambda original: wrap_sync(original, "mistralai", **streamed))
    patch(chat, "stream_async", lambda original: wrap_async(original, "mistralai", **streamed))


def uninstrument_mistralai() -> None:
    chat = _chat_class()
    for name in ("complete", "complete_async", "stream", "stream_async"):
        unpatch(chat, name)
