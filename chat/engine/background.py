"""Background tasks that are never lost: each is referenced until done and its error logged."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger(__name__)

_running: set[asyncio.Task[Any]] = set()


def _done(task: asyncio.Task[Any]) -> None:
    _running.discard(task)
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        logger.error("Background task %s failed", task.get_name(), exc_info=error)


def spawn(
    coro: Coroutine[Any, Any, Any],
    *,
    name: str,
    context: contextvars.Context | None = None,
) -> asyncio.Task[Any]:
    task = asyncio.get_running_loop().create_task(coro, name=name, context=context)
    _running.add(task)
    task.add_done_callback(_done)
    return task
