"""Profiles, settings and commands over the chat websocket, through the real application."""

from __future__ import annotations

import sys
import uuid

import pytest

from chat.models import Message, Thread
from tests.chat.web.test_consumers import connect, path_of  # noqa: F401 - fixtures
from tests.drivers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def seen() -> dict:
    """What the loaded assistant recorded (it is loaded from its file, as apps are)."""
    name = next(
        n
        for n, m in sys.modules.items()
        if n.startswith("chat_assistant_")
        and str(getattr(m, "__file__", "")).endswith("chat_options.py")
    )
    return sys.modules[name].SEEN


def is_notice(frame: str) -> bool:
    return 'id="chat-notice"' in frame and "notice--error" in frame


@pytest.fixture
async def tab(use_assistant, connect, thread, user):  # noqa: F811
    """A tab on a new chat of the options assistant, once on_chat_start has run."""
    use_assistant("chat_options")
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    await socket.until(lambda f: "Profile: General" in f)
    await wait_for(lambda: saved(thread, "initial_settings"), what="on_chat_start saved")
    return socket


async def saved(thread: Thread, key: str):
    row = await Thread.objects.aget(pk=thread.pk)
    return row.metadata.get("user_session", {}).get(key)


async def assistant_texts(thread: Thread) -> list[str]:
    return [
        m.content async for m in Message.objects.filter(thread=thread).exclude(author_kind="user")
    ]


# -- profiles --------------------------------------------------------------------------------
async def test_a_new_chat_runs_in_the_default_profile_chosen_for_the_user(tab, thread, user):
    row = await Thread.objects.aget(pk=thread.pk)
    assert row.chat_profile == "General"
    assert await saved(thread, "started_with") == "General"
    identifier, language = seen()["profile_calls"][-1]
    assert identifier == user.email
    assert language  # the language in use is passed too, as Chainlit does


async def test_picking_a_profile_starts_the_chat_over_in_it(tab, thread):
    await tab.send(type="profile", profile="Research")
    pushed = await tab.until(lambda f: 'id="chat-start"' in f and "Find papers" in f)
    assert "Say hello" not in pushed  # the profile's own starters replace the general ones
    await tab.until(lambda f: "Profile: Research" in f)
    await wait_for(lambda: saved(thread, "started_with"), what="on_chat_start saved")
    assert await saved(thread, "started_with") == "Research"
    assert await assistant_texts(thread) == ["Profile: Research"]
    assert (await Thread.objects.aget(pk=thread.pk)).chat_profile == "Research"


async def test_a_profile_picked_in_one_tab_reaches_the_other_tabs_at_once(
    tab,
    connect,  # noqa: F811
    thread,
    user,
):
    _, _, second = await connect(path_of(thread), user=user)
    await second.until(lambda f: 'id="messages"' in f)
    await tab.send(type="profile", profile="Research")
    # The other tab shows the new chat: its starters and badge, without a reload...
    await second.until(lambda f: 'id="chat-start"' in f and "Find papers" in f)
    await second.until(lambda f: "Profile: Research" in f)
    await wait_for(lambda: saved(thread, "started_with"), what="on_chat_start saved")
    # ...and its session works in the new profile: a message from it runs there, and what
    # it saves keeps the profile.
    await second.say("from the other tab")
    # (The settings are the ones on_chat_start published in the new profile.)
    await second.until(lambda f: "text=from the other tab (model small) [profile Research]" in f)
    assert await saved(thread, "chat_profile") == "Research"
    assert (await Thread.objects.aget(pk=thread.pk)).chat_profile == "Research"


@pytest.mark.parametrize("name", ["Marketing", "", "general"])
async def test_a_profile_that_is_not_offered_is_refused(tab, thread, name):
    await tab.send(type="profile", profile=name)
    assert "no profile named" in await tab.until(is_notice)
    assert (await Thread.objects.aget(pk=thread.pk)).chat_profile == "General"


async def test_a_chat_keeps_its_profile_once_the_user_has_written(tab, thread):
    await tab.say("hello")
    await tab.until(lambda f: "command=None text=hello" in f)
    await tab.send(type="profile", profile="Research")
    assert "start a new chat" in await tab.until(is_notice)
    assert (await Thread.objects.aget(pk=thread.pk)).chat_profile == "General"


async def test_the_first_message_takes_the_starters_away(tab):
    await tab.say("hello")
    hidden = await tab.until(lambda f: 'id="chat-start"' in f and "hx-swap-oob" in f)
    assert "Say hello" not in hidden
    assert " hidden" in hidden


async def test_the_starters_go_away_in_the_frame_that_shows_the_first_message(tab):
    await tab.say("hello")
    echo = await tab.until(lambda f: "message--user" in f)
    assert 'id="chat-start"' in echo
    assert " hidden" in echo
    assert echo.index("message--user") < echo.index('id="chat-start"')

    await tab.say("and again")
    echo = await tab.until(lambda f: "message--user" in f and "and again" in f)
    assert 'id="chat-start"' not in echo


# -- settings --------------------------------------------------------------------------------
async def test_the_settings_panel_is_pushed_with_the_initial_values(
    use_assistant,
    connect,  # noqa: F811
    thread,
    user,
):
    use_assistant("chat_options")
    _, _, socket = await connect(path_of(thread), user=user)
    panel = await socket.until(lambda f: 'id="settings-panel"' in f)
    assert 'name="setting:temperature"' in panel
    assert 'value="0.5"' in panel
    # The header's button comes with it, shown now that there are settings.
    button = panel[panel.index('id="settings-open"') :]
    assert " hidden" not in button.split(">")[0]
    await socket.until(lambda f: "Profile: General" in f)
    await wait_for(lambda: saved(thread, "initial_settings"), what="on_chat_start saved")
    assert (await saved(thread, "initial_settings"))["model"] == "small"


async def test_saved_settings_reach_the_hook_checked_and_are_kept(tab, thread):
    await tab.send(
        **{
            "type": "settings",
            "setting:model": "large",
            "setting:temperature": "0.3",
            "setting:stream": "on",
            "setting:topics": "hr, it",
            "setting:sources": ["wiki", "tickets"],
            "setting:seed": "",
        }
    )
    await tab.until(lambda f: "model=large temperature=0.3" in f)
    await wait_for(lambda: saved(thread, "updates"), what="the hook's record")
    [update] = await saved(thread, "updates")
    assert update["model"] == "large"
    assert update["temperature"] == 0.3
    assert update["topics"] == ["hr", "it"]
    assert update["sources"] == ["wiki", "tickets"]
    assert update["seed"] is None
    assert update["cite"] is False  # an unchecked box is off
    assert update["persona"] == "helpful"  # not sent: unchanged
    assert (await saved(thread, "chat_settings")) == update


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"setting:temperature": "3"}, "between 0 and 1"),
        ({"setting:temperature": "0.33"}, "steps of 0.1"),
        ({"setting:model": "gigantic"}, "not one of the choices"),
        ({"setting:sources": ["wiki", "email"]}, "not one of the choices"),
        ({"setting:length": "medium"}, "not one of the choices"),
        ({"setting:seed": "many"}, "must be a number"),
        ({"setting:stream": "perhaps"}, "on or off"),
        ({"setting:locked": ""}, "cannot be changed"),
        ({"setting:colour": "red"}, "no setting named"),
        ({"colour": "red"}, "Unknown field"),
        ({"setting:persona": {"nested": True}}, "must be text"),
    ],
)
async def test_invalid_settings_are_refused_and_never_reach_the_hook(tab, thread, fields, said):
    before = await saved(thread, "chat_settings")
    await tab.send(type="settings", **{"setting:model": "large", **fields})
    assert said in await tab.until(is_notice)
    # The socket still works, and the hook never ran.
    await tab.say("still here")
    await tab.until(lambda f: "text=still here" in f)
    assert await saved(thread, "updates") is None
    assert await saved(thread, "chat_settings") == before
    assert not any(t.startswith("model=") for t in await assistant_texts(thread))


async def test_settings_come_back_when_the_chat_is_resumed(tab, connect, thread, user):  # noqa: F811
    await tab.send(**{"type": "settings", "setting:model": "large", "setting:stream": "on"})
    await tab.until(lambda f: "model=large" in f)
    await wait_for(lambda: saved(thread, "updates"), what="the hook's record")
    await tab.communicator.disconnect(timeout=5)
    _, _, again = await connect(path_of(thread), user=user)
    await again.until(lambda f: 'id="messages"' in f)
    await wait_for(lambda: saved(thread, "resumed_settings"), what="on_chat_resume")
    resumed = await saved(thread, "resumed_settings")
    assert resumed["model"] == "large"
    assert resumed["temperature"] == 0.5
    # As in Chainlit, the thread handed to on_chat_resume carries them in its metadata.
    metadata = await saved(thread, "resumed_metadata")
    assert metadata == {"chat_profile": "General", "chat_settings": resumed}


# -- commands --------------------------------------------------------------------------------
async def test_commands_are_offered_in_the_composer(use_assistant, connect, thread, user):  # noqa: F811
    use_assistant("chat_options")
    _, _, socket = await connect(path_of(thread), user=user)
    menu = await socket.until(lambda f: 'id="composer-commands"' in f)
    assert 'role="listbox"' in menu
    assert "/search" in menu
    assert "/draft" in menu
    assert 'data-command-button="search"' in menu  # button: True
    assert 'data-command-button="draft"' not in menu
    await socket.until(lambda f: "Profile: General" in f)


async def test_the_chosen_command_reaches_the_hook_and_stays_with_the_message(tab, thread):
    await tab.send(type="message", content="quarterly numbers", client_id="c1", command="search")
    await tab.until(lambda f: "command=search text=quarterly numbers" in f)
    sent = await Message.objects.aget(thread=thread, client_id="c1")
    assert sent.metadata["command"] == "search"


@pytest.mark.parametrize("command", ["delete-everything", "Search"])
async def test_a_command_that_is_not_offered_is_refused(tab, thread, command):
    await tab.send(type="message", content="hi", client_id=uuid.uuid4().hex, command=command)
    assert "no command" in await tab.until(is_notice)
    assert not await Message.objects.filter(thread=thread, author_kind="user").aexists()


async def test_commands_can_be_taken_away_and_are_then_refused(tab, thread):
    await tab.say("drop the commands")
    emptied = await tab.until(lambda f: 'id="composer-commands"' in f and "/search" not in f)
    assert 'role="option"' not in emptied
    await tab.send(type="message", content="hi", client_id="c2", command="search")
    assert "no command" in await tab.until(is_notice)


async def test_a_malformed_command_list_is_shown_as_the_assistants_error(tab, thread):
    await tab.say("offer a broken command")
    error = await tab.until(lambda f: "message--error" in f)
    assert "A command id must be a short word" in error
    # The commands offered before are still offered.
    await tab.send(type="message", content="hi", client_id="c3", command="search")
    await tab.until(lambda f: "command=search text=hi" in f)


async def test_a_second_tab_works_with_the_settings_saved_in_the_first(
    tab,
    connect,  # noqa: F811
    thread,
    user,
):
    _, _, second = await connect(path_of(thread), user=user)
    await second.until(lambda f: 'id="messages"' in f)
    await tab.send(**{"type": "settings", "setting:model": "large", "setting:stream": "on"})
    panel = await second.until(lambda f: 'id="settings-panel"' in f and "selected>large" in f)
    assert 'value="large" selected' in panel
    await tab.until(lambda f: "model=large" in f)
    # The second tab's session answers with the new settings, and saves them, not its old ones.
    await second.say("from the second tab")
    await second.until(lambda f: "text=from the second tab (model large)" in f)
    await tab.say("and the first")
    await tab.until(lambda f: "text=and the first (model large)" in f)
    assert (await saved(thread, "chat_settings"))["model"] == "large"


async def test_a_failing_profiles_hook_is_shown_and_the_chat_starts_anyway(
    use_assistant,
    connect,  # noqa: F811
    thread,
    user,
):
    from chat.engine.registry import hooks

    use_assistant("chat_options")

    def broken(current_user):
        raise RuntimeError("the directory is down")

    hooks.set_chat_profiles = broken
    _, _, socket = await connect(path_of(thread), user=user)
    error = await socket.until(lambda f: "message--error" in f)
    assert "the directory is down" in error
    await socket.until(lambda f: "Profile: None" in f)
