"""Bridges between the assistant's async hooks and blocking code, as in Chainlit."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from chat.engine.context import require_session

T = TypeVar("T")


def make_async(function: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """Runs a blocking function in a worker thread, so the event loop stays free.

    Example:
        answer = await cl.make_async(blocking_llm_call)(prompt)
    """

    @functools.wraps(function)
    async def run(*args: Any, **kwargs: Any) -> T:
        # to_thread copies the context, so the API still knows its chat session.
        return await asyncio.to_thread(function, *args, **kwargs)

    return run


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine from blocking code (inside make_async) on the chat's event loop.

    Example:
        def blocking():
            cl.run_sync(cl.Message(content="from a thread").send())
    """
    loop = require_session().loop
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        raise RuntimeError("run_sync() blocks; call it from code run by cl.make_async().")
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result()
