"""`chainlit.llama_index` as `chat.sdk.llama_index`: see `callbacks`."""
