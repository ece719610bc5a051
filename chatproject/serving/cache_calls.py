"""Calls to Django's cache from async code, without a thread when the cache is memory.

A cache call may wait on the network (Redis), so async code makes it in a worker thread.
The embedded default's cache is this process's memory (LocMemCache): its calls take a few
microseconds under a lock and never wait on I/O, while the hop to a thread and back cost
more than the call itself, twice per message (the sign-in check and the rate limit).

Measured by `bench/message_cost.py` (`echo_db_trips`, `echo_py_calls`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

R = TypeVar("R")


def in_memory(alias: str = "default") -> bool:
    return backend_is(LocMemCache, alias)


def backend_is(kind: type, alias: str = "default") -> bool:
    """Whether the cache `alias` is a `kind` (or of a subclass), from the settings:
    `caches[alias]` goes through asgiref's Local, a dozen calls each time, and this is
    asked several times per message."""
    found = _kinds.get((kind, alias))
    if found is None:
        backend = import_string(settings.CACHES[alias]["BACKEND"])
        found = _kinds[kind, alias] = issubclass(backend, kind)
    return found


_kinds: dict[tuple[type, str], bool] = {}


def _forget_kinds(*, setting: str, **kwargs: Any) -> None:
    if setting == "CACHES":
        _kinds.clear()


setting_changed.connect(_forget_kinds, dispatch_uid="chatproject-cache-kinds")


async def cache_call(function: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """`function` (which uses the default cache) called inline for an in-memory cache, in
    a thread of its own otherwise (not the database's: it would queue behind queries)."""
    if in_memory():
        return function(*args, **kwargs)
    return await sync_to_async(function, thread_sensitive=False)(*args, **kwargs)


class CacheOutage:
    """Says once that the cache is out of reach, and once that it is back: callers that
    touch the cache on every frame or run would otherwise log the outage each time."""

    def __init__(self, logger: logging.Logger, away: str, back: str) -> None:
        # `away` takes the error as its one argument.
        self.logger, self.away_text, self.back_text = logger, away, back
        self.away = False

    def went(self, error: BaseException) -> None:
        if not self.away:
            self.logger.warning(self.away_text, error)
        self.away = True

    def came_back(self) -> None:
        if self.away:
            self.logger.warning(self.back_text)
        self.away = False
