"""`cl.ChatProfile` and `cl.Starter`, as in Chainlit."""

from __future__ import annotations

from dataclasses import dataclass


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
