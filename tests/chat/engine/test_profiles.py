"""Profiles and starters as the assistant declares them, and commands as it offers them."""

from __future__ import annotations

import pytest

import chat.sdk as cl
from chat.engine import commands, profiles
from chat.engine.registry import hooks

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def assistant(use_assistant):
    """An assistant with no hooks, whose profile and starter hooks each test sets."""
    use_assistant("echo")
    return hooks


async def test_profiles_may_take_the_user_the_language_or_nothing(assistant, user):
    seen = []

    def only_user(current_user):
        seen.append(current_user.identifier)
        return [cl.ChatProfile(name="A", markdown_description="")]

    assistant.set_chat_profiles = only_user
    assert [p.name for p in await profiles.available(user)] == ["A"]
    assert seen == [user.email]

    async def nothing():
        return [cl.ChatProfile(name="B", markdown_description="")]

    assistant.set_chat_profiles = nothing
    assert [p.name for p in await profiles.available(user)] == ["B"]


async def test_the_default_is_the_one_marked_so_else_the_first(assistant, user):
    assistant.set_chat_profiles = lambda u: [
        cl.ChatProfile(name="A", markdown_description=""),
        cl.ChatProfile(name="B", markdown_description="", default=True),
    ]
    assert profiles.default_of(await profiles.available(user)).name == "B"
    assistant.set_chat_profiles = lambda u: [
        cl.ChatProfile(name="A", markdown_description=""),
        cl.ChatProfile(name="B", markdown_description=""),
    ]
    assert profiles.default_of(await profiles.available(user)).name == "A"


async def test_a_profile_for_groups_is_offered_to_their_members_only(assistant, user):
    from asgiref.sync import sync_to_async
    from django.contrib.auth.models import Group

    assistant.set_chat_profiles = lambda u: [
        cl.ChatProfile(name="Everyone", markdown_description=""),
        cl.ChatProfile(name="Legal", markdown_description="", groups=["legal", "board"]),
    ]
    assert [p.name for p in await profiles.available(user)] == ["Everyone"]
    legal = await Group.objects.acreate(name="legal")
    await sync_to_async(user.groups.add)(legal)
    assert [p.name for p in await profiles.available(user)] == ["Everyone", "Legal"]
    await sync_to_async(user.groups.remove)(legal)
    assert [p.name for p in await profiles.available(user)] == ["Everyone"]


async def test_profiles_without_a_usable_name_or_twice_the_same_are_left_out(assistant, user):
    assistant.set_chat_profiles = lambda u: [
        cl.ChatProfile(name="", markdown_description=""),
        cl.ChatProfile(name="x" * 101, markdown_description=""),
        cl.ChatProfile(name="A", markdown_description="first"),
        cl.ChatProfile(name="A", markdown_description="second"),
    ]
    found = await profiles.available(user)
    assert [(p.name, p.description) for p in found] == [("A", "first")]


async def test_no_profiles_hook_or_none_returned_means_no_picker(assistant, user, thread):
    assert await profiles.available(user) == ()
    assistant.set_chat_profiles = lambda u: None
    options = await profiles.start_options(thread, user)
    assert options.profiles == ()
    assert options.current is None
    assert thread.chat_profile == ""


async def test_a_profiles_starters_replace_the_general_ones(assistant, user, thread):
    assistant.set_starters = lambda u: [cl.Starter(label="General", message="g")]
    assistant.set_chat_profiles = lambda u: [
        cl.ChatProfile(name="Plain", markdown_description=""),
        cl.ChatProfile(
            name="Own",
            markdown_description="",
            starters=[cl.Starter(label="Own", message="o", command="search")],
        ),
        cl.ChatProfile(name="Quiet", markdown_description="", starters=[]),
    ]
    found = await profiles.available(user)
    assert [s.label for s in await profiles.starters_for(user, found[0])] == ["General"]
    [own] = await profiles.starters_for(user, found[1])
    assert (own.label, own.message, own.command) == ("Own", "o", "search")
    assert await profiles.starters_for(user, found[2]) == ()


async def test_starters_without_a_label_or_message_are_left_out(assistant, user):
    assistant.set_starters = lambda u: [
        cl.Starter(label="", message="m"),
        cl.Starter(label="l", message=""),
        {"label": "From a dict", "message": "works too"},
    ]
    assert [s.label for s in await profiles.starters_for(user, None)] == ["From a dict"]


async def test_starter_categories_group_starters_under_a_label(assistant, user, thread):
    seen = []

    async def categories(current_user, language):
        seen.append((current_user.identifier, language))
        return [
            cl.StarterCategory(
                label="Travel",
                icon="✈️",
                starters=[cl.Starter(label="Plan a trip", message="plan a trip")],
            ),
            cl.StarterCategory(label="Empty"),
            cl.StarterCategory(label="", starters=[cl.Starter(label="x", message="y")]),
            cl.StarterCategory(label="Travel", starters=[cl.Starter(label="z", message="z")]),
            {"label": "HR", "starters": [{"label": "Leave", "message": "how much leave"}]},
        ]

    assistant.set_starter_categories = categories
    options = await profiles.start_options(thread, user)
    assert [(c.label, c.icon, [s.message for s in c.starters]) for c in options.categories] == [
        ("Travel", "✈️", ["plan a trip"]),
        ("HR", "", ["how much leave"]),
    ]
    assert seen == [(user.email, "en")]


async def test_a_profile_with_its_own_starters_shows_no_categories(assistant, user):
    assistant.set_starter_categories = lambda u: [
        cl.StarterCategory(label="HR", starters=[cl.Starter(label="Leave", message="l")])
    ]
    assistant.set_chat_profiles = lambda u: [
        cl.ChatProfile(name="Plain", markdown_description=""),
        cl.ChatProfile(name="Own", markdown_description="", starters=[]),
    ]
    plain, own = await profiles.available(user)
    assert [c.label for c in await profiles.categories_for(user, plain)] == ["HR"]
    assert await profiles.categories_for(user, own) == ()


async def test_the_categories_hook_may_take_the_chosen_profile_as_in_chainlit(assistant, user):
    seen = []

    async def categories(current_user, language, chat_profile):
        seen.append(chat_profile)
        label = "Research" if chat_profile == "Deep" else "General"
        return [cl.StarterCategory(label=label, starters=[cl.Starter(label="Go", message="go")])]

    assistant.set_starter_categories = categories
    assistant.set_chat_profiles = lambda u: [
        cl.ChatProfile(name="Quick", markdown_description=""),
        cl.ChatProfile(name="Deep", markdown_description=""),
    ]
    quick, deep = await profiles.available(user)
    assert [c.label for c in await profiles.categories_for(user, deep)] == ["Research"]
    assert [c.label for c in await profiles.categories_for(user, quick)] == ["General"]
    assert [c.label for c in await profiles.categories_for(user, None)] == ["General"]
    assert seen == ["Deep", "Quick", None]


def test_the_decorator_registers_the_categories_hook(assistant):
    @cl.set_starter_categories
    async def categories(user):
        return []

    assert assistant.set_starter_categories is categories


@pytest.mark.parametrize(
    "offered",
    [
        "search",
        ["search"],
        [{"description": "no id"}],
        [{"id": "two words!"}],
        [{"id": "same"}, {"id": "same"}],
        [{"id": f"c{n}"} for n in range(51)],
    ],
)
def test_malformed_commands_are_the_developers_mistake(offered):
    with pytest.raises(ValueError):  # noqa: PT011 - the message says what is wrong
        commands.check_commands(offered)


def test_commands_are_kept_in_one_shape():
    [command] = commands.check_commands([{"id": "search", "button": 1}])
    assert command == {
        "id": "search",
        "description": "",
        "icon": "",
        "button": True,
        "persistent": False,
        "selected": False,
    }
