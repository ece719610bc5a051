"""Chat profiles and starters: what the assistant offers when a chat starts.

The assistant declares them with `@cl.set_chat_profiles`, `@cl.set_starters` and
`@cl.set_starter_categories`; they
may depend on the user (and the language), so they are asked for each time a new chat
is shown. The chosen profile is stored on the thread, where reviewers can filter by it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from django.utils import translation
from django.utils.translation import gettext as _

from chat.engine import chat_settings, commands, modes, profile_config
from chat.engine.registry import call_hook, hooks, public_objects
from chat.errors import UserFacingError
from chat.models import Message, Thread

logger = logging.getLogger(__name__)

MAX_PROFILE_NAME = 100


class ProfileRefused(UserFacingError):
    pass


@dataclass(frozen=True)
class Starter:
    label: str
    message: str
    icon: str = ""
    command: str = ""


@dataclass(frozen=True)
class StarterCategory:
    label: str
    icon: str = ""
    starters: tuple[Starter, ...] = ()


@dataclass(frozen=True)
class Profile:
    name: str
    description: str = ""
    icon: str = ""
    default: bool = False
    display_name: str = ""
    starters: tuple[Starter, ...] | None = None
    # Its own switches (uploads, sharing, cot), from `config_overrides`: profile_config.
    overrides: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    groups: frozenset[str] | None = None

    @property
    def shown_name(self) -> str:
        return self.display_name or self.name


@dataclass(frozen=True)
class StartOptions:
    """What a new chat offers: the profiles (with the current one) and the starters."""

    profiles: tuple[Profile, ...] = ()
    current: Profile | None = None
    starters: tuple[Starter, ...] = field(default_factory=tuple)
    categories: tuple[StarterCategory, ...] = field(default_factory=tuple)


def _field(item: Any, name: str, default: Any = None) -> Any:
    return item.get(name, default) if isinstance(item, dict) else getattr(item, name, default)


def _starter(item: Any) -> Starter | None:
    label, message = _field(item, "label"), _field(item, "message")
    if not isinstance(label, str) or not isinstance(message, str) or not label or not message:
        logger.warning("A starter needs a label and a message; left out: %r", item)
        return None
    return Starter(
        label=label,
        message=message,
        icon=_field(item, "icon") or "",
        command=_field(item, "command") or "",
    )


def _starters(items: Any) -> tuple[Starter, ...]:
    return tuple(s for s in (_starter(i) for i in items or ()) if s is not None)


def _categories(items: Any) -> tuple[StarterCategory, ...]:
    """The groups with a label and at least one starter, each label once."""
    categories: list[StarterCategory] = []
    for item in items or ():
        label = _field(item, "label")
        starters = _starters(_field(item, "starters"))
        if not isinstance(label, str) or not label or not starters:
            logger.warning("A starter category needs a label and starters; left out: %r", item)
            continue
        if all(c.label != label for c in categories):
            categories.append(
                StarterCategory(label=label, icon=_field(item, "icon") or "", starters=starters)
            )
    return tuple(categories)


def _profile(item: Any) -> Profile | None:
    name = _field(item, "name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_PROFILE_NAME:
        logger.warning("A chat profile needs a name of 1 to 100 characters; left out: %r", item)
        return None
    starters = _field(item, "starters")
    groups = _field(item, "groups")
    return Profile(
        name=name,
        description=_field(item, "markdown_description") or "",
        icon=_field(item, "icon") or "",
        default=bool(_field(item, "default", False)),
        display_name=_field(item, "display_name") or "",
        starters=None if starters is None else _starters(starters),
        overrides=profile_config.parse(_field(item, "config_overrides")),
        groups=None if groups is None else frozenset(str(g) for g in groups),
    )


async def _group_names(user: Any) -> frozenset[str]:
    if user is None or not getattr(user, "pk", None):
        return frozenset()
    return frozenset([name async for name in user.groups.values_list("name", flat=True)])


async def _ask(hook: Any, user: Any, *more: Any) -> Any:
    """As Chainlit calls these hooks: the user and the page's language (and what `more`
    adds), each hook getting as many as it declares."""
    return await call_hook(hook, public_objects.user(user), translation.get_language(), *more)


async def available(user: Any) -> tuple[Profile, ...]:
    """The profiles this user may choose from; none when the assistant declares none."""
    if hooks.set_chat_profiles is None:
        return ()
    profiles: list[Profile] = []
    member_of: frozenset[str] | None = None
    for item in await _ask(hooks.set_chat_profiles, user) or ():
        profile = _profile(item)
        if profile is None or any(p.name == profile.name for p in profiles):
            continue
        if profile.groups is not None:
            if member_of is None:
                member_of = await _group_names(user)
            if not profile.groups & member_of:
                continue  # for other groups: not offered, and so not chosen either
        profiles.append(profile)
    return tuple(profiles)


def default_of(profiles: tuple[Profile, ...]) -> Profile | None:
    """The profile marked default, else the first one, as Chainlit picks it."""
    return next((p for p in profiles if p.default), profiles[0] if profiles else None)


def find(profiles: tuple[Profile, ...], name: str) -> Profile | None:
    return next((p for p in profiles if p.name == name), None)


async def starters_for(user: Any, profile: Profile | None) -> tuple[Starter, ...]:
    """A profile's own starters replace the assistant's general ones."""
    if profile is not None and profile.starters is not None:
        return profile.starters
    if hooks.set_starters is None:
        return ()
    return _starters(await _ask(hooks.set_starters, user))


async def categories_for(user: Any, profile: Profile | None) -> tuple[StarterCategory, ...]:
    """The grouped starters; a profile with its own starters shows only those. The hook
    gets the chosen profile's name third, as in Chainlit."""
    if profile is not None and profile.starters is not None:
        return ()
    if hooks.set_starter_categories is None:
        return ()
    name = profile.name if profile is not None else None
    return _categories(await _ask(hooks.set_starter_categories, user, name))


async def has_user_messages(thread_id: UUID) -> bool:
    return await Message.objects.filter(
        thread_id=thread_id, author_kind=Message.Author.USER
    ).aexists()


async def ensure_profile(thread: Thread, user: Any) -> tuple[Profile, ...]:
    """Gives a thread without a profile the default one (when the assistant has profiles).

    The picker never blocks: a new chat is already in the default profile, and the user
    may type at once or pick another.
    """
    profiles = await available(user)
    chosen = default_of(profiles)
    if (
        chosen is not None
        and find(profiles, thread.chat_profile) is None
        and (not thread.chat_profile or not await has_user_messages(thread.id))
    ):
        thread.chat_profile = chosen.name
        await Thread.objects.filter(pk=thread.pk).aupdate(chat_profile=chosen.name)
    current = find(profiles, thread.chat_profile)
    if current is not None and profile_config.of(thread.metadata) != current.overrides:
        await keep_overrides(thread, current)
    return profiles


async def keep_overrides(thread: Thread, profile: Profile) -> None:
    """Stores the profile's switches on its thread, where the upload endpoint, the share
    button and the step view read them."""
    if profile.overrides:
        thread.metadata[profile_config.KEY] = profile.overrides
    else:
        thread.metadata.pop(profile_config.KEY, None)
    await thread.asave(update_fields=["metadata"])


async def start_options(thread: Thread, user: Any) -> StartOptions:
    """The picker and the starters for a chat the user has not written in yet."""
    profiles = await ensure_profile(thread, user)
    current = find(profiles, thread.chat_profile)
    return StartOptions(
        profiles=profiles,
        current=current,
        starters=await starters_for(user, current),
        categories=await categories_for(user, current),
    )


async def check_choice(thread_id: UUID, user: Any, name: Any) -> Profile:
    """The profile the user picked, if it is one of theirs and the chat has not begun."""
    if not isinstance(name, str):
        raise ProfileRefused(_("Choose one of the offered profiles."))
    profile = find(await available(user), name)
    if profile is None:
        raise ProfileRefused(_("There is no profile named “%(name)s”.") % {"name": name[:100]})
    if await has_user_messages(thread_id):
        raise ProfileRefused(
            _("A chat keeps the profile it started with: start a new chat to use another.")
        )
    return profile


def page_options(thread: Thread, user: Any) -> dict[str, Any]:
    """What the chat page draws around the conversation, from the thread as stored.

    Called from a (sync) view: the assistant's hooks may be async.
    """
    try:
        options = async_to_sync(start_options)(thread, user)
    except Exception:
        # A failing hook must not take the page down: the chat says so when it starts.
        logger.exception("set_chat_profiles, set_starters or set_starter_categories failed")
        options = StartOptions()
    inputs = chat_settings.inputs_of(thread)
    saved = thread.metadata.get("user_session", {}).get("chat_settings") or {}
    return {
        "options": options,
        "written": Message.objects.filter(thread=thread, author_kind=Message.Author.USER).exists(),
        "settings_inputs": inputs,
        "settings_values": chat_settings.current_values(inputs, saved),
        "commands": commands.commands_of(thread),
        "modes": modes.modes_of(thread),
        "mode_choices": modes.choices_of(thread),
    }
