"""Settings while the user edits them (on_settings_edit), redrawn from code, in tabs and
with dates, over the chat websocket through the real application."""

from __future__ import annotations

import pytest

from chat.models import Thread
from tests.chat.web.test_consumers import connect, path_of  # noqa: F401 - fixtures
from tests.drivers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def tab(use_assistant, connect, thread, user):  # noqa: F811
    use_assistant("settings_edit")
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    await socket.until(lambda f: "ready" in f)
    return socket


async def saved(thread: Thread, key: str):
    row = await Thread.objects.aget(pk=thread.pk)
    return row.metadata.get("user_session", {}).get(key)


async def test_the_panel_is_drawn_in_tabs_with_dates(tab):
    panel = next(f for f in tab.frames if 'id="settings-panel"' in f)
    assert 'role="tablist"' in panel
    assert 'data-settings-tab="model"' in panel
    assert 'data-settings-tab="search"' in panel
    assert '<input type="date" id="setting-4" name="setting:since" value="2026-01-01"' in panel
    assert 'min="2025-01-01" max="2026-12-31"' in panel
    assert 'name="setting:trip" value="2026-03-01"' in panel
    assert 'name="setting:trip" value="2026-03-08"' in panel


async def test_an_edit_reaches_the_hook_checked_and_redraws_the_panel_unsaved(tab, thread):
    await tab.send(
        **{
            "type": "settings_edit",
            "setting:provider": "mistral",
            "setting:model": "gpt-small",
            "setting:temperature": "0.8",
            "setting:since": "2026-02-02",
            "setting:trip": ["2026-04-01", "2026-04-03"],
        }
    )
    panel = await tab.until(lambda f: 'id="settings-panel"' in f and "mistral-large" in f)
    # The user's unsaved choices stay in the redrawn panel; the new models are offered.
    assert '<option value="mistral" selected>' in panel
    assert 'value="0.8"' in panel
    assert 'value="2026-02-02"' in panel
    assert "gpt-small" not in panel
    await wait_for(lambda: saved(thread, "edits"), what="the edit recorded")
    [edit] = await saved(thread, "edits")
    assert edit["provider"] == "mistral"
    assert edit["temperature"] == 0.8
    assert edit["since"] == "2026-02-02"
    assert edit["trip"] == ["2026-04-01", "2026-04-03"]
    assert edit["web"] is False
    # The user's choices were not saved: the values in force are still the earlier ones
    # (with the new list's first model, as the redraw offers no other).
    in_force = await saved(thread, "chat_settings")
    assert (in_force["provider"], in_force["temperature"]) == ("openai", 0.5)
    assert in_force["since"] == "2026-01-01"


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"setting:since": "2024-12-31"}, "between 2025-01-01 and 2026-12-31"),
        ({"setting:since": "tomorrow"}, "must be a date"),
        ({"setting:trip": ["2026-04-03", "2026-04-01"]}, "on or after the day it starts"),
        ({"setting:trip": ["2026-04-03", ""]}, "a first and a last date"),
    ],
)
async def test_a_wrong_date_is_refused_with_a_reason(tab, thread, fields, said):
    await tab.send(type="settings_edit", **{"setting:provider": "openai", **fields})
    notice = await tab.until(lambda f: 'id="chat-notice"' in f and "notice--error" in f)
    assert said in notice
    assert not await saved(thread, "edits")


async def test_saving_after_an_edit_saves_the_dates(tab, thread):
    await tab.send(
        type="settings",
        **{"setting:provider": "openai", "setting:model": "gpt-large", "setting:trip": ["", ""]},
    )
    await tab.until(lambda f: "saved openai gpt-large None" in f)
    assert (await saved(thread, "chat_settings"))["since"] == "2026-01-01"


async def test_refresh_redraws_the_panel_without_changing_the_values(tab, thread):
    await wait_for(lambda: saved(thread, "chat_settings"), what="the settings saved")
    before = await saved(thread, "chat_settings")
    await tab.say("refresh")
    panel = await tab.until(lambda f: 'id="settings-panel"' in f and "mistral-large" in f)
    assert "gpt-large" not in panel
    await tab.until(lambda f: "refreshed" in f)
    assert await saved(thread, "chat_settings") == before
