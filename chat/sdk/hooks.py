"""Decorators that register the assistant's hooks, as in Chainlit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from chat.engine.registry import hooks

F = TypeVar("F", bound=Callable[..., Any])


def on_chat_start(func: F) -> F:
    """Runs when a new chat session starts.

    Example:
        @cl.on_chat_start
        async def start():
            await cl.Message(content="Hello!").send()
    """
    hooks.on_chat_start = func
    return func


def on_message(func: F) -> F:
    """Runs for each message the user sends; receives it as a `cl.Message`.

    Example:
        @cl.on_message
        async def main(message: cl.Message):
            await cl.Message(content=f"You said {message.content}").send()
    """
    hooks.on_message = func
    return func


def on_chat_end(func: F) -> F:
    """Runs when the user's socket closes (tab closed, reload, network loss).

    Example:
        @cl.on_chat_end
        def end():
            print("goodbye", cl.user_session.get("id"))
    """
    hooks.on_chat_end = func
    return func


def on_chat_resume(func: F) -> F:
    """Runs when an existing thread is opened again or its socket reconnects.

    Example:
        @cl.on_chat_resume
        async def resume(thread: ThreadDict):
            history = [s["output"] for s in thread["steps"]]
    """
    hooks.on_chat_resume = func
    return func


def on_stop(func: F) -> F:
    """Runs when the user presses Stop while a hook is running.

    Example:
        @cl.on_stop
        def stopped():
            print("the user stopped the run")
    """
    hooks.on_stop = func
    return func


def action_callback(name: str) -> Callable[[F], F]:
    """Runs when a button of the action `name` is clicked; receives the `cl.Action`.

    Example:
        @cl.action_callback("approve")
        async def approve(action: cl.Action):
            await cl.Message(content=f"Approved {action.payload}").send()
            await action.remove()
    """

    def register(func: F) -> F:
        hooks.action_callbacks[name] = func
        return func

    return register


def set_chat_profiles(func: F) -> F:
    """Declares the chat profiles offered when a chat starts; receives the user (and the
    language). The chosen one is in `cl.user_session.get("chat_profile")`.

    Example:
        @cl.set_chat_profiles
        async def profiles(current_user: cl.User):
            return [
                cl.ChatProfile(name="Support", markdown_description="Answers from the handbook."),
                cl.ChatProfile(name="Analyst", markdown_description="Numbers and charts."),
            ]
    """
    hooks.set_chat_profiles = func
    return func


def set_starters(func: F) -> F:
    """Declares the suggestions shown on a new chat; receives the user (and the language).

    Example:
        @cl.set_starters
        async def starters(current_user: cl.User):
            return [cl.Starter(label="Summarise", message="Summarise our leave policy.")]
    """
    hooks.set_starters = func
    return func


def set_starter_categories(func: F) -> F:
    """Declares grouped suggestions for a new chat; receives the user (and the language).

    Example:
        @cl.set_starter_categories
        async def categories(current_user: cl.User):
            leave = cl.Starter(label="Leave", message="How much leave do I have?")
            return [cl.StarterCategory(label="HR", starters=[leave])]
    """
    hooks.set_starter_categories = func
    return func


def on_settings_edit(func: F) -> F:
    """Runs on each change in the settings panel, before the user saves; receives all the
    values as the panel shows them, checked. Nothing is saved: redraw the panel from here
    (`await cl.ChatSettings(widgets).send()`) to offer other choices.

    Example:
        @cl.on_settings_edit
        async def editing(settings: dict):
            if settings["provider"] != cl.user_session.get("provider"):
                await cl.ChatSettings(widgets_for(settings["provider"])).send()
    """
    hooks.on_settings_edit = func
    return func


def on_settings_update(func: F) -> F:
    """Runs when the user saves the chat settings; receives the new values, all checked.

    Example:
        @cl.on_settings_update
        async def changed(settings: dict):
            cl.user_session.set("temperature", settings["temperature"])
    """
    hooks.on_settings_update = func
    return func
