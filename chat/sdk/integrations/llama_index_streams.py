"""A streamed LlamaIndex answer as a step's output, without taking it from the app.

A streaming query ends (for LlamaIndex's callbacks) before its answer is read: the answer
is a generator the app reads afterwards, token by token, into its message. Reading it
here (as `str(response)` does) would leave the app an empty stream; instead the generator
is wrapped so that each token passes through to the app, and once it is read to the end
the step gets the whole text.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from llama_index.core.base.response.schema import AsyncStreamingResponse, StreamingResponse


def is_unread_stream(response: Any) -> bool:
    return (
        isinstance(response, StreamingResponse | AsyncStreamingResponse)
        and response.response_txt is None
        and response.response_gen is not None
    )


def follow(response: Any, on_done: Callable[[str], None]) -> None:
    """Replaces the response's generator with one that yields the same tokens and calls
    `on_done(text)` once they are all read."""
    if isinstance(response, AsyncStreamingResponse):
        response.response_gen = _follow_async(response.response_gen, on_done)
    else:
        response.response_gen = _follow_sync(response.response_gen, on_done)


def _follow_sync(tokens: Iterator[str], on_done: Callable[[str], None]) -> Iterator[str]:
    seen: list[str] = []
    for token in tokens:
        seen.append(token)
        yield token
    on_done("".join(seen))


async def _follow_async(
    tokens: AsyncIterator[str], on_done: Callable[[str], None]
) -> AsyncIterator[str]:
    seen: list[str] = []
    async for token in tokens:
        seen.append(token)
        yield token
    on_done("".join(seen))
