"""Background work by name: run in this process (the embedded default) or on a Celery worker.

The engine and RAG hand work over by name only. The Celery tasks (chat.tasks) carry the
same names and look the work up here, so a name sent to a worker before an upgrade still
runs after it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable

from asgiref.sync import async_to_sync, sync_to_async
from celery import current_app
from django.conf import settings

from chat.engine.background import spawn

Work = Callable[[str], Awaitable[None]]

_work: dict[str, Work] = {}


def register(name: str, work: Work) -> None:
    """Names a piece of work: an async function of one id (a JSON-serialisable string)."""
    _work[name] = work


def work(name: str) -> Work:
    try:
        return _work[name]
    except KeyError:
        raise LookupError(f"No background work is named {name!r}.") from None


async def submit(name: str, item_id: str) -> None:
    """Runs the work named `name` on `item_id` in the background, here or on a worker."""
    if settings.CHAT_JOBS_IN_PROCESS:
        # A context of its own, as on a worker: the request or hook that submitted the
        # work (and its thread, which database calls would otherwise go back to) ends
        # long before the work does.
        spawn(work(name)(item_id), name=f"{name}-{item_id}", context=contextvars.Context())
    else:
        await sync_to_async(current_app.send_task)(name, args=[item_id])


def run_here(name: str, item_id: str) -> None:
    """Runs the work to its end in this (worker) thread, on one event loop for the whole of
    it, so the channel layer keeps one connection."""
    async_to_sync(work(name))(item_id)
