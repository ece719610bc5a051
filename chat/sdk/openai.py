"""`chainlit.openai` as `chat.sdk.openai`, for apps that import `instrument_openai` from it
(needs the openai package)."""

from chat.sdk.integrations.openai import instrument_openai

__all__ = ["instrument_openai"]
