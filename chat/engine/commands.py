"""Commands: what the assistant offers in the composer's "/" menu and as buttons.

As in Chainlit, `cl.context.emitter.set_commands([...])` replaces the list; each command is
a dict with `id`, `description`, `icon`, `button`, `persistent` (and `selected`). The list
is kept with the thread, so a reload shows it and any instance can check a chosen id.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _

from chat.errors import UserFacingError
from chat.models import Thread

COMMANDS_KEY = "commands"
MAX_COMMANDS = 50
# Shown after "/" and typed by users: a word, so the menu can match it as they type.
COMMAND_ID = re.compile(r"^[\w][\w .-]{0,63}$")


class CommandRefused(UserFacingError):
    pass


def check_commands(commands: Any) -> list[dict[str, Any]]:
    """The commands in a stored shape; a malformed one is the developer's mistake."""
    if not isinstance(commands, list) or len(commands) > MAX_COMMANDS:
        raise ValueError(f"Commands must be a list of at most {MAX_COMMANDS} dicts")
    checked: list[dict[str, Any]] = []
    for command in commands:
        if not isinstance(command, dict):
            raise ValueError(f"A command must be a dict, not {type(command).__name__}")
        command_id = command.get("id")
        if not isinstance(command_id, str) or not COMMAND_ID.match(command_id):
            raise ValueError(f"A command id must be a short word: {command_id!r}")
        if any(c["id"] == command_id for c in checked):
            raise ValueError(f"Two commands have the id {command_id!r}")
        checked.append(
            {
                "id": command_id,
                "description": str(command.get("description") or ""),
                "icon": str(command.get("icon") or ""),
                "button": bool(command.get("button")),
                "persistent": bool(command.get("persistent")),
                "selected": bool(command.get("selected")),
            }
        )
    return checked


def check_choice(commands: list[dict[str, Any]], command_id: str) -> str:
    """The id of a command the user chose, if the assistant offers it now."""
    if command_id and all(c["id"] != command_id for c in commands):
        raise CommandRefused(_("There is no command “/%(name)s” here.") % {"name": command_id[:64]})
    return command_id


async def save(thread_id: UUID, commands: list[dict[str, Any]]) -> None:
    thread = await Thread.objects.aget(pk=thread_id)
    thread.metadata[COMMANDS_KEY] = commands
    await thread.asave(update_fields=["metadata"])


def commands_of(thread: Thread) -> list[dict[str, Any]]:
    return list(thread.metadata.get(COMMANDS_KEY, []))
