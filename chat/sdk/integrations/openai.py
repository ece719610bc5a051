"""`cl.instrument_openai()`: every chat completion of the `openai` client becomes an `llm` step.

Sync and async clients, streamed or not, with tool calls: the step starts when the call
is made and ends with the completion (or the error), under the step running at the time.
Calls made outside a chat are left alone. The Mistral client is instrumented the same
way (`chat.sdk.integrations.mistralai`), with the chunk reading shared from here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from chat.sdk.integrations.steps import LLMCall, given, require

_originals: dict[tuple[type, str], Callable[..., Any]] = {}


def _content_text(content: Any) -> str:
    """A message's or delta's text: a string, or (Mistral) a list of text chunks."""
    if not given(content) or content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(getattr(part, "text", "") or "") for part in content)
    return str(content)


def _read_usage(call: LLMCall, usage: Any) -> None:
    if given(usage) and usage is not None:
        call.set_usage(
            getattr(usage, "prompt_tokens", None),
            getattr(usage, "completion_tokens", None),
            getattr(usage, "total_tokens", None),
        )
        details = getattr(usage, "prompt_tokens_details", None)
        call.set_cached(getattr(details, "cached_tokens", None) if given(details) else None)


def _read_tool_calls(call: LLMCall, tool_calls: Any) -> None:
    if not given(tool_calls) or not tool_calls:
        return
    for position, tool_call in enumerate(tool_calls):
        index = getattr(tool_call, "index", None)
        function = getattr(tool_call, "function", None)
        call.add_tool_call_delta(
            index if isinstance(index, int) else position,
            getattr(tool_call, "id", None) if given(getattr(tool_call, "id", None)) else None,
            getattr(function, "name", None),
            getattr(function, "arguments", None),
        )


def read_chunk(call: LLMCall, chunk: Any) -> None:
    """One streamed chunk (OpenAI's ChatCompletionChunk, Mistral's CompletionChunk)."""
    call.set_model(getattr(chunk, "model", None))
    _read_usage(call, getattr(chunk, "usage", None))
    for choice in getattr(chunk, "choices", None) or []:
        delta = getattr(choice, "delta", None)
        if delta is None:
            continue
        call.add_text(_content_text(getattr(delta, "content", None)))
        _read_tool_calls(call, getattr(delta, "tool_calls", None))


def read_completion(call: LLMCall, completion: Any) -> None:
    """A whole (not streamed) completion."""
    call.set_model(getattr(completion, "model", None))
    _read_usage(call, getattr(completion, "usage", None))
    choices = getattr(completion, "choices", None) or []
    if choices:
        message = getattr(choices[0], "message", None)
        call.add_text(_content_text(getattr(message, "content", None)))
        _read_tool_calls(call, getattr(message, "tool_calls", None))


class RecordedStream:
    """Passes a sync stream through, recording its chunks; ends the step when it ends."""

    def __init__(self, stream: Any, call: LLMCall, read: Callable[[LLMCall, Any], None]) -> None:
        self._stream = stream
        self._iterator = iter(stream)
        self._call = call
        self._read = read

    def __iter__(self) -> RecordedStream:
        return self

    def __next__(self) -> Any:
        try:
            chunk = next(self._iterator)
        except StopIteration:
            self._call.finish()
            raise
        except BaseException as error:
            self._call.fail(error)
            raise
        self._read(self._call, chunk)
        return chunk

    def __enter__(self) -> RecordedStream:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            self._call.finish()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class RecordedAsyncStream:
    """The same for an async stream."""

    def __init__(self, stream: Any, call: LLMCall, read: Callable[[LLMCall, Any], None]) -> None:
        self._stream = stream
        self._iterator = stream.__aiter__()
        self._call = call
        self._read = read

    def __aiter__(self) -> RecordedAsyncStream:
        return self

    async def __anext__(self) -> Any:
        try:
            chunk = await self._iterator.__anext__()
        except StopAsyncIteration:
            self._call.finish()
            raise
        except BaseException as error:
            self._call.fail(error)
            raise
        self._read(self._call, chunk)
        return chunk

    async def __aenter__(self) -> RecordedAsyncStream:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    async def close(self) -> None:
        try:
            close = getattr(self._stream, "close", None) or getattr(self._stream, "aclose", None)
            if close is not None:
                result = close()
                if hasattr(result, "__await__"):
                    await result
        finally:
            self._call.finish()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def wrap_sync(
    original: Callable[..., Any],
    provider: str,
    *,
    read_chunk: Callable[[LLMCall, Any], None] = read_chunk,
    read_completion: Callable[[LLMCall, Any], None] = read_completion,
    streams: Callable[[dict[str, Any]], bool] = lambda kwargs: bool(kwargs.get("stream")),
) -> Callable[..., Any]:
    @functools.wraps(original)
    def create(self: Any, *args: Any, **kwargs: Any) -> Any:
        call = LLMCall.begin(provider, kwargs)
        if call is None:
            return original(self, *args, **kwargs)
        try:
            result = original(self, *args, **kwargs)
        except BaseException as error:
            call.fail(error)
            raise
        if streams(kwargs):
            call.generation["stream"] = True
            return RecordedStream(result, call, read_chunk)
        read_completion(call, result)
        call.finish()
        return result

    create._chat_instrumented = True  # type: ignore[attr-defined]
    return create


def wrap_async(
    original: Callable[..., Any],
    provider: str,
    *,
    read_chunk: Callable[[LLMCall, Any], None] = read_chunk,
    read_completion: Callable[[LLMCall, Any], None] = read_completion,
    streams: Callable[[dict[str, Any]], bool] = lambda kwargs: bool(kwargs.get("stream")),
) -> Callable[..., Any]:
    @functools.wraps(original)
    async def create(self: Any, *args: Any, **kwargs: Any) -> Any:
        call = LLMCall.begin(provider, kwargs)
        if call is None:
            return await original(self, *args, **kwargs)
        try:
            result = await original(self, *args, **kwargs)
        except BaseException as error:
            call.fail(error)
            raise
        if streams(kwargs):
            call.generation["stream"] = True
            return RecordedAsyncStream(result, call, read_chunk)
        read_completion(call, result)
        call.finish()
        return result

    create._chat_instrumented = True  # type: ignore[attr-defined]
    return create


def patch(owner: type, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Replaces owner.name by make(original), once."""
    current = getattr(owner, name)
    if getattr(current, "_chat_instrumented", False):
        return
    _originals[(owner, name)] = current
    setattr(owner, name, make(current))


def unpatch(owner: type, name: str) -> None:
    original = _originals.pop((owner, name), None)
    if original is not None:
        setattr(owner, name, original)


def instrument_openai() -> None:
    """Shows every chat completion made with the `openai` client as an `llm` step.

    Example:
        from openai import AsyncOpenAI
        import chat.sdk as cl

        client = AsyncOpenAI()
        cl.instrument_openai()

        @cl.on_message
        async def on_message(message: cl.Message):
            response = await client.chat.completions.create(
                model="gpt-4o-mini", messages=cl.chat_context.to_openai()
            )
            await cl.Message(content=response.choices[0].message.content).send()
    """
    require("openai", "openai", "cl.instrument_openai")
    # Optional dependency: openai (the "openai" extra).
    from openai.resources.chat.completions import AsyncCompletions, Completions

    patch(Completions, "create", lambda original: wrap_sync(original, "openai"))
    patch(AsyncCompletions, "create", lambda original: wrap_async(original, "openai"))


def uninstrument_openai() -> None:
    """Puts the client back as it was (for tests and for apps that switch it off)."""
    # Optional dependency: openai (the "openai" extra).
    from openai.resources.chat.completions import AsyncCompletions, Completions

    unpatch(Completions, "create")
    unpatch(AsyncCompletions, "create")
