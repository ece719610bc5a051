"""Modes: pickers in the composer (model, reasoning effort, ...) the assistant offers.

As in Chainlit, `await cl.context.emitter.set_modes([cl.Mode(...)])` replaces them; each
message the user sends carries the option chosen in each picker (`message.modes`, {mode id:
option id}). The pickers and the last choice are kept with the thread, so a reload shows
them as they were and any instance can check a chosen option.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _

from chat.errors import UserFacingError
from chat.models import Thread

MODES_KEY = "modes"
CHOICES_KEY = "mode_choices"
MAX_MODES = 10
MAX_OPTIONS = 50
MODE_ID = re.compile(r"^[\w][\w.-]{0,63}$")


class ModeRefused(UserFacingError):
    pass


def _as_dict(item: Any) -> Any:
    return item.to_dict() if hasattr(item, "to_dict") else item


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return value if isinstance(value, str) else ""


def _option(option: Any) -> dict[str, Any]:
    option = _as_dict(option)
    if not isinstance(option, dict) or not MODE_ID.match(_text(option, "id")):
        raise ValueError(f"A mode option needs an id that is a short word: {option!r}")
    return {
        "id": option["id"],
        "name": _text(option, "name") or option["id"],
        "description": _text(option, "description"),
        "icon": _text(option, "icon"),
        "default": bool(option.get("default")),
    }


def check_modes(modes: Any) -> list[dict[str, Any]]:
    """The modes in a stored shape; a malformed one is the developer's mistake."""
    if not isinstance(modes, list) or len(modes) > MAX_MODES:
        raise ValueError(f"Modes must be a list of at most {MAX_MODES} cl.Mode")
    checked: list[dict[str, Any]] = []
    for mode in map(_as_dict, modes):
        if not isinstance(mode, dict) or not MODE_ID.match(_text(mode, "id")):
            raise ValueError(f"A mode needs an id that is a short word: {mode!r}")
        if any(m["id"] == mode["id"] for m in checked):
            raise ValueError(f"Two modes have the id {mode['id']!r}")
        options = [_option(o) for o in mode.get("options") or []]
        if not options or len(options) > MAX_OPTIONS:
            raise ValueError(f"Mode {mode['id']!r} needs 1 to {MAX_OPTIONS} options")
        if len({o["id"] for o in options}) != len(options):
            raise ValueError(f"Mode {mode['id']!r} has two options with one id")
        checked.append(
            {"id": mode["id"], "name": _text(mode, "name") or mode["id"], "options": options}
        )
    return checked


def default_of(mode: dict[str, Any]) -> str:
    """The option marked default, else the first one, as Chainlit picks it."""
    return next((o["id"] for o in mode["options"] if o["default"]), mode["options"][0]["id"])


def current(modes: list[dict[str, Any]], kept: dict[str, Any]) -> dict[str, str]:
    """Each mode's kept choice while it is still offered, else its default."""
    choices: dict[str, str] = {}
    for mode in modes:
        offered = {o["id"] for o in mode["options"]}
        choice = kept.get(mode["id"])
        choices[mode["id"]] = choice if choice in offered else default_of(mode)
    return choices


def check_choices(
    modes: list[dict[str, Any]], chosen: dict[str, str], kept: dict[str, Any]
) -> dict[str, str]:
    """The options the user sent with a message, each one offered now; modes they did not
    send keep their earlier choice."""
    by_id = {m["id"]: m for m in modes}
    for mode_id, option_id in chosen.items():
        mode = by_id.get(mode_id)
        if mode is None or all(o["id"] != option_id for o in mode["options"]):
            raise ModeRefused(
                _("“%(option)s” is not offered here: choose again.") % {"option": option_id[:64]}
            )
    return current(modes, {**kept, **chosen})


def shown(modes: list[dict[str, Any]], choices: dict[str, str]) -> list[list[str]]:
    """[mode name, option name] for each choice, as a message and the admin show them."""
    names = []
    for mode in modes:
        option = next((o for o in mode["options"] if o["id"] == choices.get(mode["id"])), None)
        if option is not None:
            names.append([mode["name"], option["name"]])
    return names


async def save(thread_id: UUID, modes: list[dict[str, Any]]) -> None:
    thread = await Thread.objects.aget(pk=thread_id)
    thread.metadata[MODES_KEY] = modes
    await thread.asave(update_fields=["metadata"])


async def save_choices(thread_id: UUID, choices: dict[str, str]) -> None:
    thread = await Thread.objects.aget(pk=thread_id)
    thread.metadata[CHOICES_KEY] = choices
    await thread.asave(update_fields=["metadata"])


def modes_of(thread: Thread) -> list[dict[str, Any]]:
    return list(thread.metadata.get(MODES_KEY, []))


def choices_of(thread: Thread) -> dict[str, str]:
    return current(modes_of(thread), thread.metadata.get(CHOICES_KEY) or {})
