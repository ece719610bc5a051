"""`chainlit.langchain` as `chat.sdk.langchain`: see `callbacks`."""
