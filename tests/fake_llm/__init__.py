"""A local stand-in for hosted language models (OpenAI, Azure OpenAI, Mistral, Anthropic)."""

from .server import KEY, FakeLLMServer, decide

__all__ = ["KEY", "FakeLLMServer", "decide"]
