"""`chainlit.mistralai` as `chat.sdk.mistralai`, for apps that import `instrument_mistralai`
from it (needs the mistralai package)."""

from chat.sdk.integrations.mistralai import instrument_mistralai

__all__ = ["instrument_mistralai"]
