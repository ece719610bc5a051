"""`chainlit.langchain.callbacks` as `chat.sdk.langchain.callbacks` (needs langchain-core)."""

from chat.sdk.integrations.langchain import AsyncLangchainCallbackHandler, LangchainCallbackHandler

__all__ = ["AsyncLangchainCallbackHandler", "LangchainCallbackHandler"]
