"""`@cl.on_slack_reaction_added`, as in Chainlit: an emoji reaction added in Slack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from chat.engine.registry import hooks

F = TypeVar("F", bound=Callable[..., Any])


def on_slack_reaction_added(func: F) -> F:
    """Called with Slack's `reaction_added` event (a dict: `user`, `reaction`, `item` with
    its `channel` and `ts`, `item_user`) when someone adds a reaction in a conversation the
    bot is in. Subscribe the Slack app to `reaction_added` (scope `reactions:read`).

    Example:
        @cl.on_slack_reaction_added
        async def reacted(event):
            if event["reaction"] == "+1":
                ...
    """
    hooks.on_slack_reaction_added = func
    return func
