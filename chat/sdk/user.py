"""`chainlit.user` as `chat.sdk.user`: the signed-in person as the hooks see them.

`cl.User` is what a sign-in hook returns; `cl.PersistedUser` is the stored account, with
its `id` and `createdAt` as in Chainlit, and is what `cl.user_session.get("user")` holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from chat.sdk.types import User

Role = Literal["USER", "ADMIN", "OWNER", "ANONYMOUS"]
Provider = Literal[
    "credentials", "header", "github", "google", "azure-ad", "okta", "auth0", "descope"
]


class UserDict(TypedDict):
    id: str
    identifier: str
    display_name: str | None
    metadata: dict[str, Any]


@dataclass
class PersistedUserFields:
    id: str
    createdAt: str


@dataclass
class PersistedUser(User, PersistedUserFields):
    """A stored account: `identifier`, `display_name`, `metadata`, `id` and `createdAt`."""

    def to_dict(self) -> UserDict:
        return {
            "id": self.id,
            "identifier": self.identifier,
            "display_name": self.display_name,
            "metadata": dict(self.metadata),
        }


__all__ = ["PersistedUser", "PersistedUserFields", "Provider", "Role", "User", "UserDict"]
