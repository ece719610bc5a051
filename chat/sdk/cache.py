"""`@cl.cache`: memoises a function for the process, across chat sessions, as Chainlit's.

For what is slow to make and the same for every user (loading a model, reading an
index): the first call computes, the next ones with the same arguments get its result.
Unlike Chainlit's, the store is bounded (the least recently used results go first) and
an async function has its awaited result kept, not a coroutine that can run only once.

Example:
    @cl.cache
    def load_index(path: str):
        return build_index(path)  # once per process and path
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
MAX_ENTRIES = 128


def _key(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Hashable:
    return (args, tuple(sorted(kwargs.items())))


class _Store:
    """Results by arguments, the oldest used dropped past `size`."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.results: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable) -> tuple[bool, Any]:
        if key in self.results:
            self.results.move_to_end(key)
            return True, self.results[key]
        return False, None

    def put(self, key: Hashable, value: Any) -> None:
        self.results[key] = value
        self.results.move_to_end(key)
        while len(self.results) > self.size:
            self.results.popitem(last=False)


def cache(func: F | None = None, *, max_entries: int = MAX_ENTRIES) -> Any:
    """Memoises `func` by its (hashable) arguments; `@cl.cache(max_entries=N)` sets the bound."""
    if func is None:
        return functools.partial(cache, max_entries=max_entries)
    store = _Store(max_entries)

    if inspect.iscoroutinefunction(func):
        # One computation per key even when sessions ask at once: later callers wait.
        locks: dict[Hashable, asyncio.Lock] = {}

        @functools.wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            key = _key(args, kwargs)
            found, value = store.get(key)
            if found:
                return value
            lock = locks.setdefault(key, asyncio.Lock())
            try:
                async with lock:
                    found, value = store.get(key)
                    if not found:
                        value = await func(*args, **kwargs)
                        store.put(key, value)
                    return value
            finally:
                if not lock.locked():
                    locks.pop(key, None)

        async_wrapper.cache_clear = store.results.clear  # type: ignore[attr-defined]
        return async_wrapper

    lock = threading.Lock()

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = _key(args, kwargs)
        with lock:
            found, value = store.get(key)
            if not found:
                value = func(*args, **kwargs)
                store.put(key, value)
            return value

    wrapper.cache_clear = store.results.clear  # type: ignore[attr-defined]
    return wrapper
