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
from chat.sdk.user import PersistedUser

# The address given to an account a sign-in hook named without one ("admin").
NAMED_ACCOUNT_DOMAIN = "@localhost"


def user_of(account: Any) -> PersistedUser:
    """A signed-in account as `cl.PersistedUser` (a `cl.User`): what the hooks and
    `cl.user_session.get("user")` receive. An account a hook named "admin" is
    "admin" again here, as the app knows it."""
    identifier = account.email
    if identifier.endswith(NAMED_ACCOUNT_DOMAIN):
        identifier = identifier.removesuffix(NAMED_ACCOUNT_DOMAIN)
    joined = getattr(account, "date_joined", None)
    return PersistedUser(
        id=str(account.pk),
        createdAt=joined.isoformat() if joined else "",
        identifier=identifier,
        display_name=account.shown_name,
        # What the sign-in hooks kept about the person, as in Chainlit.
        metadata={**(getattr(account, "metadata", None) or {}), "id": str(account.pk)},
    )


def install() -> None:
    public_objects.message = Message.from_record
    public_objects.action = Action.from_dict
    public_objects.user = user_of


install()
