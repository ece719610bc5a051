"""Channel-layer group names: every tab of a thread, and whoever runs work for it."""

from __future__ import annotations

from uuid import UUID


def thread_group(thread_id: UUID | str) -> str:
    return f"thread-{thread_id}"


def control_group(thread_id: UUID | str) -> str:
    return f"control-{thread_id}"
