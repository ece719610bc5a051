"""`chainlit.llama_index.callbacks` as `chat.sdk.llama_index.callbacks` (needs
llama-index-core)."""

from chat.sdk.integrations.llama_index import LlamaIndexCallbackHandler

__all__ = ["LlamaIndexCallbackHandler"]
