"""The model behind the default assistant, chosen by settings (CHAT_LLM_*).

Each provider module adapts one client library (openai, including Azure OpenAI and any
OpenAI-compatible server; anthropic; mistralai) to the same small interface: stream one
turn of a conversation given in OpenAI's message format, with tools, calling `on_text`
for each piece of text, and return the whole turn. Errors come out as `LLMError`.
"""

from __future__ import annotations

from django.conf import settings

from chat.llm.anthropic_chat import AnthropicModel
from chat.llm.errors import LLMError
from chat.llm.mistral_chat import MistralModel
from chat.llm.openai_chat import OpenAIModel
from chat.llm.turns import Model, OnText, ToolCall, Turn

__all__ = ["LLMError", "Model", "OnText", "ToolCall", "Turn", "configured", "from_settings"]


def configured() -> bool:
    """Whether a model is configured; without one the default assistant is the offline demo."""
    return bool(settings.CHAT_LLM_MODEL)


def from_settings() -> Model:
    """A client for the configured model (a new one per use: clients bind to an event loop)."""
    provider = settings.CHAT_LLM_PROVIDER
    if provider == "anthropic":
        return AnthropicModel()
    if provider == "mistral":
        return MistralModel()
    return OpenAIModel()
