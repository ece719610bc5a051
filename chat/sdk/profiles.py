"""`cl.ChatProfile`, `cl.Starter` and `cl.StarterCategory`, as in Chainlit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Starter:
    """A suggestion shown on a new chat; a click sends `message` (with `command`, if any).

    Example:
        @cl.set_starters
        async def starters(user):
            return [cl.Starter(label="Plan a trip", message="Help me plan a trip.")]
    """

    label: str
    message: str
    icon: str | None = None
    command: str | None = None


@dataclass
class StarterCategory:
    """A group of starters under one label (and icon), shown on a new chat; a click on the
    label shows its starters.

    Example:
        @cl.set_starter_categories
        async def categories(user):
            return [
                cl.StarterCategory(
                    label="Travel",
                    starters=[cl.Starter(label="Plan a trip", message="Help me plan a trip.")],
                )
            ]
    """

    label: str
    icon: str | None = None
    starters: list[Starter] = field(default_factory=list)


@dataclass
class ChatProfile:
    """One way the assistant can work, chosen when a chat starts.

    Example:
        @cl.set_chat_profiles
        async def profiles(user):
            return [cl.ChatProfile(name="Fast", markdown_description="Short answers.")]
    """

    name: str
    markdown_description: str
    icon: str | None = None
    default: bool = False
    starters: list[Starter] | None = None
    display_name: str | None = None
    # Its own switches: `chat.sdk.config.ChainlitConfigOverrides`, or a dict of the same
    # shape, or flat ({"uploads": False, "accept": [...], "max_files": 2, "sharing": False}).
    config_overrides: Any = None
    # Offered only to members of these groups (names of groups here, e.g. from the
    # identity provider); None: to everyone.
    groups: list[str] | None = None
