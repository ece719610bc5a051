"""Hooks around the chat rather than in it: author names, sign-out, the app's start and stop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from chat.engine.registry import hooks

F = TypeVar("F", bound=Callable[..., Any])


def author_rename(func: F) -> F:
    """Maps an author's name to the one shown, when a message is sent (sync or async).

    Example:
        @cl.author_rename
        async def rename(orig_author: str) -> str:
            return {"LLMMathChain": "Albert Einstein"}.get(orig_author, orig_author)
    """
    hooks.author_rename = func
    return func


def on_logout(func: F) -> F:
    """Runs when a user signs out; receives the request and the response.

    Cookies set or deleted on the response reach the browser with the sign-out.

    Example:
        @cl.on_logout
        def logout(request, response):
            response.delete_cookie("my_cookie")
    """
    hooks.on_logout = func
    return func


def on_app_startup(func: F) -> F:
    """Runs once per server process, before it serves its first request (sync or async).

    Example:
        @cl.on_app_startup
        async def startup():
            cl_cache["client"] = make_client()
    """
    hooks.on_app_startup = func
    return func


def on_app_shutdown(func: F) -> F:
    """Runs once when the server process stops (sync or async).

    Example:
        @cl.on_app_shutdown
        async def shutdown():
            await cl_cache["client"].close()
    """
    hooks.on_app_shutdown = func
    return func
