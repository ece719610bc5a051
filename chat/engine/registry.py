"""The assistant's hooks, as registered by the decorators of the public API."""

from __future__ import annotations

import contextlib
import inspect
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import async_to_sync

Hook = Callable[..., Any]


@dataclass
class HookRegistry:
    on_chat_start: Hook | None = None
    on_message: Hook | None = None
    on_chat_end: Hook | None = None
    on_chat_resume: Hook | None = None
    on_stop: Hook | None = None
    # The copilot widget: a message the host page posted to the assistant.
    on_window_message: Hook | None = None
    # Voice (chat.engine.audio): a recording starts, brings a piece, ends.
    on_audio_start: Hook | None = None
    on_audio_chunk: Hook | None = None
    on_audio_end: Hook | None = None
    set_chat_profiles: Hook | None = None
    set_starters: Hook | None = None
    set_starter_categories: Hook | None = None
    on_settings_update: Hook | None = None
    on_settings_edit: Hook | None = None
    # Tool servers (chat.engine.mcp_links): a connection made, a connection ended.
    on_mcp_connect: Hook | None = None
    on_mcp_disconnect: Hook | None = None
    author_rename: Hook | None = None
    on_logout: Hook | None = None
    on_app_startup: Hook | None = None
    on_app_shutdown: Hook | None = None
    # Each rating, once stored (chat.engine.feedback_hook).
    on_feedback: Hook | None = None
    # Someone reacted with an emoji in Slack (chat.platforms.slack).
    on_slack_reaction_added: Hook | None = None
    # Who may open a shared conversation's link (chat.engine.sharing).
    on_shared_thread_view: Hook | None = None
    # Sign-in: asked by accounts/ (backends, adapters, the SSO header middleware).
    password_auth_callback: Hook | None = None
    oauth_callback: Hook | None = None
    header_auth_callback: Hook | None = None
    action_callbacks: dict[str, Hook] = field(default_factory=dict)
    jobs: dict[str, Hook] = field(default_factory=dict)

    def clear(self) -> None:
        fresh = HookRegistry()
        self.__dict__.update(fresh.__dict__)


# The assistant module fills this at import time, as Chainlit's config does.
hooks = HookRegistry()


def hook_name(fn: Hook) -> str:
    """The registry's name for a hook (`on_message` ...), `action` for an action's
    callback: a name from a fixed set, whatever the assistant called its function."""
    for name, value in vars(hooks).items():
        if value is fn:
            return name
    return "action" if fn in hooks.action_callbacks.values() else "other"


def start_hook(fn: Hook, *args: Any) -> Any:
    """Calls a hook with as many of the arguments as it declares (Chainlit added arguments
    to some hooks over time, e.g. oauth_callback's id_token); returns its result, or what
    to await when the hook is async."""
    accepted = _positional_count(fn)
    if accepted is not None:
        args = args[:accepted]
    return fn(*args)


# Per hook, read once (inspecting a function on every message cost more than the rest of
# calling it); weak, so that a hook replaced (a reloaded assistant) is not kept.
_positional_counts: weakref.WeakKeyDictionary[Any, int | None] = weakref.WeakKeyDictionary()


def _positional_count(fn: Hook) -> int | None:
    """How many positional arguments the hook takes; None: any number."""
    try:
        return _positional_counts[fn]
    except (KeyError, TypeError):
        pass
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        parameters = ()
    count = None
    if not any(p.kind is p.VAR_POSITIONAL for p in parameters):
        count = len(
            [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        )
    # One not weakly referable is inspected each time.
    with contextlib.suppress(TypeError):
        _positional_counts[fn] = count
    return count


async def call_hook(fn: Hook, *args: Any) -> Any:
    """Runs a hook, sync or async, to its result."""
    result = start_hook(fn, *args)
    if inspect.isawaitable(result):
        result = await result
    return result


def call_hook_sync(fn: Hook, *args: Any) -> Any:
    """Runs a hook, sync or async, to its result, from sync code (a sync hook runs in this
    thread, so it may use the ORM)."""
    result = start_hook(fn, *args)
    if inspect.isawaitable(result):
        awaitable = result

        async def wait() -> Any:
            return await awaitable

        result = async_to_sync(wait)()
    return result


def _as_stored(row: Any, elements: Sequence[Any] = ()) -> Any:
    return row


def _as_given(value: Any) -> Any:
    return value


@dataclass
class PublicObjects:
    """How the engine's data reaches the assistant as the public API's objects: a stored
    message (with its files) as `cl.Message`, an action as `cl.Action`, an account as
    `cl.User`. The public API fills this in when it is imported, so the engine never
    imports it; until then the engine's own data goes through as it is."""

    message: Callable[..., Any] = _as_stored
    action: Callable[[dict[str, Any]], Any] = _as_given
    user: Callable[[Any], Any] = _as_given


# Filled once by chat.sdk; unlike the hooks, kept when the assistant is reloaded.
public_objects = PublicObjects()
