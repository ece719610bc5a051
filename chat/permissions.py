"""The one gate: who may see what. Views, the consumer, file serving and the admin ask here."""

from __future__ import annotations

from typing import Any

from .models import Thread


def can_view_thread(user: Any, thread: Thread) -> bool:
    return bool(user and user.is_authenticated and user.is_active and thread.owner_id == user.pk)


def can_write_thread(user: Any, thread: Thread) -> bool:
    return can_view_thread(user, thread)
