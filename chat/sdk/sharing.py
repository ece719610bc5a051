"""`@cl.on_shared_thread_view`, as in Chainlit: decides who may open a shared link."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from chat.engine.registry import hooks, public_objects, start_hook

F = TypeVar("F", bound=Callable[..., Any])


def on_shared_thread_view(func: F) -> F:
    """Called when someone other than its owner opens a conversation's shared link, with
    the thread (a `cl.types.ThreadDict`, `metadata["is_shared"]` set), the viewer (a
    `cl.User`) and the link's token: True lets them read it, anything else answers 404.
    Without this hook anyone signed in may open a link; CHAT_SHARING=0 turns links off.

    Example:
        @cl.on_shared_thread_view
        async def same_team(thread, viewer) -> bool:
            return viewer.metadata.get("team") == thread["metadata"].get("team")
    """

    def with_user(thread: dict[str, Any], viewer: Any, token: str | None) -> Any:
        user = public_objects.user(viewer) if viewer is not None else None
        return start_hook(func, thread, user, token)

    hooks.on_shared_thread_view = with_user
    return func
