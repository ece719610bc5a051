"""Step writes still on their way when a message is about to be shown.

Integrations (LangChain, LlamaIndex) learn of a step from a library callback, often in
another thread, and queue its write on the chat's event loop. A message the app sends
right after the library returns could then be stored first, and the steps that produced
it would be drawn below it. A message waits for the writes queued before it, so the
thread reads in the order things happened.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

# Per session: its integration writes not yet done (each removes itself when done).
_pending: weakref.WeakKeyDictionary[Any, set[asyncio.Future[Any]]] = weakref.WeakKeyDictionary()


def track(session: Any, write: asyncio.Future[Any]) -> None:
    writes = _pending.setdefault(session, set())
    writes.add(write)
    write.add_done_callback(writes.discard)


async def settle(session: Any) -> None:
    """Waits for the writes the session queued so far (their errors are their own)."""
    writes = [w for w in _pending.get(session, ()) if not w.done()]
    if writes:
        await asyncio.gather(*writes, return_exceptions=True)
