"""The engine's data as the assistant sees it: a stored message as `cl.Message`, an action
as `cl.Action`, an account as `cl.User`.

Installed into the engine (chat.engine.registry.public_objects) when the public API is
imported, so that the engine hands these to the hooks without importing the public API.
"""

from __future__ import annotations

from typing import Any

from chat.engine.registry import public_objects
from chat.sdk.action import Action
from chat.sdk.message import Message
from chat.sdk.types import User


def user_of(account: Any) -> User:
    """A signed-in account as `cl.User`: what the hooks and `cl.user_session.get("user")`
    receive."""
    return User(
        identifier=account.email,
        display_name=account.shown_name,
        # What the sign-in hooks kept about the person, as in Chainlit.
        metadata={**(getattr(account, "metadata", None) or {}), "id": str(account.pk)},
    )


def install() -> None:
    public_objects.message = Message.from_record
    public_objects.action = Action.from_dict
    public_objects.user = user_of


install()
