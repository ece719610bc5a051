"""Streamed response bodies under an ASGI server, in pieces rather than all at once.

Django serves a StreamingHttpResponse built on a plain (sync) iterator under ASGI by first
collecting every piece into one list (StreamingHttpResponse.__aiter__ falls back to
`sync_to_async(list)`): an export of every conversation, or a large file, was held whole
in the web process before its first byte left. `pieces` hands Django an async iterator that
takes the next piece in a thread, one at a time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest


async def _one_by_one(iterable: Iterable[Any], *, thread_sensitive: bool) -> AsyncIterator[Any]:
    iterator: Iterator[Any] = iter(iterable)
    take = sync_to_async(next, thread_sensitive=thread_sensitive)
    done = object()
    try:
        while (piece := await take(iterator, done)) is not done:
            yield piece
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            await sync_to_async(close, thread_sensitive=thread_sensitive)()


def pieces(request: Any, iterable: Iterable[Any], *, thread_sensitive: bool = True) -> Any:
    """The body for a streamed response to `request`: async under an ASGI server, as it
    is elsewhere (Django's test client, WSGI). Work that queries the database keeps
    `thread_sensitive` (Django's one sync thread, where its connection lives)."""
    if isinstance(request, ASGIRequest):
        return _one_by_one(iterable, thread_sensitive=thread_sensitive)
    return iterable
