"""A chat profile's switches (`config_overrides`) beyond uploads: how its steps show (`cot`),
tool servers (MCP) and voice turned off, and the settings panel opened at first; each
followed by the server, and a switch of profile redrawing every tab's composer at once.

The assistant is tests/port_check/profile_features.py, a Chainlit app: "Workbench" (the
default) leaves everything on and shows every step; "Focus" hides its steps and turns
files, tool servers and the microphone off."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from chat.models import Step, Thread
from chat.sdk.config import AudioFeature, ChainlitConfigOverrides, McpFeature, UISettings
from chat.threads import switches
from tests.chat.engine.test_uploads import PNG, media_root, post, signed_in
from tests.chat.web.test_consumers import connect, path_of  # noqa: F401 - fixtures
from tests.drivers import wait_for
from tests.factories import make_user
from tests.voice_sockets import Tab, silence

PORT_CHECK = Path(__file__).resolve().parents[2] / "port_check"
__all__ = ["media_root"]  # the fixture: uploads go to a temporary folder
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def app(use_assistant):
    use_assistant(str(PORT_CHECK / "profile_features.py"))


@pytest.fixture
async def open_tab(app, connect, user):  # noqa: F811
    """A tab on the user's thread (a Tab: it reads binary frames too), past its settings."""

    async def open_(thread) -> Tab:
        connected, _, socket = await connect(path_of(thread), user=user)
        assert connected
        tab = Tab(socket.communicator)
        await tab.until(lambda f: isinstance(f, str) and 'id="messages"' in f)
        return tab

    return open_


def text(predicate):
    return lambda frame: isinstance(frame, str) and predicate(frame)


def notice(frame) -> bool:
    return isinstance(frame, str) and 'id="chat-notice"' in frame and "notice--error" in frame


async def page(user, thread) -> str:
    client = await sync_to_async(signed_in)(user)
    response = await sync_to_async(client.get)(reverse("chat:thread", args=[thread.pk]))
    return response.content.decode()


async def in_focus(thread) -> Thread:
    """The thread in "Focus" before anyone wrote in it (as a pick does it)."""
    await Thread.objects.filter(pk=thread.pk).aupdate(chat_profile="Focus")
    return await Thread.objects.aget(pk=thread.pk)


async def answered(tab: Tab, words: str, profile: str) -> str:
    await tab.say(words)
    return await tab.until(text(lambda f: f"{profile}: found {words}" in f))


def step_frames(tab: Tab) -> str:
    return "".join(f for f in tab.texts if 'id="s-' in f)


# -- what the profile's switches say --------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        (
            ChainlitConfigOverrides(
                ui=UISettings(name="x", cot="hidden", default_chat_settings_open=True),
            ),
            {"cot": "hidden", "settings_open": True},
        ),
        # A UISettings that names no cot leaves the setting's, as Chainlit's unset fields.
        (ChainlitConfigOverrides(ui=UISettings(name="x")), {}),
        (
            {"features": {"mcp": McpFeature(enabled=False), "audio": AudioFeature(enabled=False)}},
            {"mcp": False, "voice": False},
        ),
        (
            {"mcp": False, "voice": False, "settings_open": False},
            {"mcp": False, "voice": False, "settings_open": False},
        ),
        ({"mcp": "off", "voice": 0, "settings_open": "yes"}, {}),
    ],
)
def test_the_switches_are_read_in_chainlits_shape_and_the_flat_one(raw, parsed):
    from chat.engine import profile_config

    assert profile_config.parse(raw) == parsed


def test_each_switch_falls_back_to_its_setting(settings):
    settings.CHAT_COT, settings.CHAT_SETTINGS_OPEN = "tool_call", True
    assert switches.cot({}) == "tool_call"
    assert switches.settings_open(None) is True
    assert switches.mcp_on({})
    assert switches.voice_on({})
    stored = {switches.KEY: {"cot": "full", "settings_open": False, "mcp": False, "voice": False}}
    assert switches.cot(stored) == "full"
    assert switches.settings_open(stored) is False
    assert not switches.mcp_on(stored)
    assert not switches.voice_on(stored)


# -- cot ---------------------------------------------------------------------------------
async def test_a_profiles_cot_decides_how_its_steps_show_everywhere_but_the_review(
    open_tab, user, thread
):
    thread = await in_focus(thread)
    tab = await open_tab(thread)
    await answered(tab, "tickets", "Focus")
    step = await Step.objects.aget(thread=thread, name="look_up")
    # Pushed live: the step's box is hidden (its place kept for its children)...
    pushed = step_frames(tab)
    assert f'id="s-{step.pk}" class="step step--hidden"' in pushed
    assert "step__summary" not in pushed
    # ...as on a reload, in another tab's snapshot, and behind a shared link.
    html = await page(user, thread)
    assert f'id="s-{step.pk}" class="step step--hidden"' in html
    assert "found tickets" in html  # the answer
    second = await open_tab(thread)
    assert f'id="s-{step.pk}" class="step step--hidden"' in "".join(second.texts)
    await Thread.objects.filter(pk=thread.pk).aupdate(share_token="focus-link")
    reader = await sync_to_async(signed_in)(await sync_to_async(make_user)())
    shared = await sync_to_async(reader.get)(reverse("chat:shared", args=["focus-link"]))
    assert f'id="s-{step.pk}" class="step step--hidden"' in shared.content.decode()
    # The review shows every step: reviewers are there to see what the assistant did.
    # (A superuser: a transactional test's database has no Reviewers group left.)
    reviewer = await sync_to_async(make_user)(
        email="reviewer@example.com", is_staff=True, is_superuser=True
    )
    review = Client()
    await sync_to_async(review.force_login)(reviewer)
    transcript = await sync_to_async(review.get)(
        reverse("admin:chat_thread_transcript", args=[thread.pk])
    )
    assert re.search(rf'<details id="s-{step.pk}"', transcript.content.decode())


async def test_the_default_profile_shows_its_steps_whatever_chat_cot_says(
    open_tab, thread, settings
):
    settings.CHAT_COT = "hidden"
    tab = await open_tab(thread)
    await answered(tab, "papers", "Workbench")
    step = await Step.objects.aget(thread=thread, name="look_up")
    assert f'<details id="s-{step.pk}"' in step_frames(tab)


# -- tool servers and voice ---------------------------------------------------------------
async def test_a_profile_without_tool_servers_or_voice_refuses_them_on_the_server(
    open_tab, user, thread
):
    thread = await in_focus(thread)
    tab = await open_tab(thread)
    html = await page(user, thread)
    assert 'id="voice-button"' not in html
    assert re.search(r'<button type="button" id="mcp-open"[^>]* hidden', html)

    await tab.send(type="mcp_add", name="mine", server_type="streamable-http", url="http://x/")
    assert "Tool servers are off in this chat." in await tab.until(notice)
    await tab.send(type="audio_start")
    assert "Voice is off in this chat." in await tab.until(notice)
    await tab.communicator.send_to(bytes_data=silence(0.1))
    assert "Voice is off in this chat." in await tab.until(notice)
    # No connection was made for the thread: on_mcp_connect never ran.
    row = await Thread.objects.aget(pk=thread.pk)
    assert "mcp" not in row.metadata.get("user_session", {})


async def test_the_default_profile_keeps_the_microphone_and_the_tool_server_button(
    open_tab, user, thread
):
    tab = await open_tab(thread)
    # The session shows the button once it knows the person's servers.
    await tab.until(text(lambda f: 'id="mcp-open"' in f and " hidden" not in f.split(">")[0]))
    assert 'id="voice-button"' in await page(user, thread)


async def test_a_switch_redraws_every_tabs_composer_and_the_server_follows(
    open_tab, user, thread, media_root
):
    first, second = await open_tab(thread), await open_tab(thread)

    def buttons_off(frame) -> bool:
        return (
            isinstance(frame, str)
            and '<span id="composer-attach" hidden hx-swap-oob="outerHTML"></span>' in frame
            and '<span id="composer-voice" class="composer__slot" hx-swap-oob="outerHTML"></span>'
            in frame
            and re.search(r'id="mcp-open"[^>]* hidden hx-swap-oob', frame) is not None
        )

    await first.send(type="profile", profile="Focus")
    # Both tabs get the buttons as "Focus" has them, without a reload.
    await first.until(buttons_off)
    await second.until(buttons_off)
    await wait_for(lambda: _in_profile(thread, "Focus"), what="the thread takes the profile")
    client = await sync_to_async(signed_in)(user)
    refused = await sync_to_async(post)(client, thread, ("a.png", PNG))
    assert refused.status_code == 400
    await second.send(type="audio_start")
    assert "Voice is off in this chat." in await second.until(notice)

    await second.send(type="profile", profile="Workbench")

    def buttons_on(frame) -> bool:
        return (
            isinstance(frame, str)
            and 'id="composer-attach"' in frame
            and "data-composer-files" in frame
            and 'id="voice-button"' in frame
        )

    await first.until(buttons_on)
    await second.until(buttons_on)
    # The tool-server button comes back once the servers are listed again.
    await first.until(text(lambda f: 'id="mcp-open"' in f and " hidden" not in f.split(">")[0]))
    await first.send(type="audio_start")
    await first.connection("on")


async def _in_profile(thread, name: str) -> bool:
    return (await Thread.objects.aget(pk=thread.pk)).chat_profile == name


# -- the settings panel at first ------------------------------------------------------------
async def test_a_profile_opens_its_settings_panel_at_first(open_tab, user, thread, settings):
    settings.CHAT_SETTINGS_OPEN = False
    tab = await open_tab(thread)
    # "Workbench" opens it: the panel on_chat_start sends says so...
    await tab.until(text(lambda f: 'id="settings-panel"' in f and "data-open-first" in f))
    # ...as the page drawn once it has settings.
    assert re.search(
        r'id="settings-panel" class="settings-panel" data-open-first', await page(user, thread)
    )

    other = await in_focus(await sync_to_async(_new_thread)(user))
    assert "data-open-first" not in await page(user, other)


def _new_thread(user) -> Thread:
    return Thread.objects.create(owner=user)


def test_chat_settings_open_is_the_default_without_a_profile(user, thread, settings):
    settings.CHAT_SETTINGS_OPEN = True
    settings.CHAT_SETTINGS_LOCATION = "sidebar"
    html = signed_in(user).get(reverse("chat:thread", args=[thread.pk])).content.decode()
    assert 'id="settings-panel" class="settings-panel" data-open-first' in html
    assert "data-side" in html
