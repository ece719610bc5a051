"""LLM libraries shown as steps: OpenAI, Mistral, LangChain, LlamaIndex.

Each module imports its library; `chat.sdk` loads them only when their name is used, so
the product runs without any of them installed.
"""
