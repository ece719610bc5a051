"""Catching a tab up after the channel layer's Redis was away.

While Redis is away a process's sockets hear only what happens in that process (see
chatproject.serving.redis_channel_layer); what other instances and workers wrote meanwhile is in the
database.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from chat.engine import control
from chat.threads import snapshot
from chat.threads import store as threads


async def catch_up_frames(thread_id: UUID, user: Any = None) -> list[str]:
    """The thread as stored, in frames that each fit a socket, for a tab to show again;
    the process running a hook on it is asked to push what the database does not have yet
    (it lands after this snapshot, as the socket handles one message at a time)."""
    thread = await threads.load_thread(thread_id)
    frames = await snapshot.asnapshot_frames(thread, user)
    await control.request_sync(thread_id)
    return frames
