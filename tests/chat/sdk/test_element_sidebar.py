"""`cl.ElementSidebar` through a real chat session: the panel opens, fills, is renamed and
closes on every tab, and never takes an element away from the message it belongs to."""

from __future__ import annotations

import pytest

import chat.sdk as cl
from chat.engine.context import NoChatContextError
from chat.models import Element

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def chat(use_assistant, open_chat, thread, user):
    use_assistant("sidebar")
    return await open_chat(thread, user)


async def test_set_elements_opens_the_panel_with_its_title_and_elements(chat):
    await chat.send("open")
    panel = await chat.tab.until(lambda f: 'id="element-panel"' in f and "Handbook" in f)
    assert '<aside id="element-panel" class="element-panel element-panel--sidebar"' in panel
    assert " hidden" not in panel.split(">")[0]
    assert (
        '<h2 id="element-panel-title" class="element-panel__title" tabindex="-1">Sources</h2>'
        in panel
    )
    assert "<strong>22:00</strong>" in panel
    assert 'class="language-sql"' in panel
    assert 'aria-label="Close the panel"' in panel


async def test_a_title_alone_opens_the_panel(chat):
    await chat.send("title only")
    panel = await chat.tab.until(lambda f: 'id="element-panel"' in f)
    assert ">Notes</h2>" in panel
    assert " hidden" not in panel.split(">")[0]


async def test_an_empty_list_closes_the_panel(chat):
    await chat.send("open")
    await chat.tab.until(lambda f: "done open" in f)
    await chat.send("close")
    closed = await chat.tab.until(
        lambda f: '<aside id="element-panel"' in f and " hidden " in f.split(">")[0]
    )
    assert "Handbook" not in closed
    assert "element-panel__bar" not in closed


async def test_an_element_of_a_message_stays_there_and_the_panel_gets_one_copy(chat, thread):
    await chat.send("shared")
    await chat.tab.until(lambda f: "done shared" in f)
    rows = [e async for e in Element.objects.filter(thread=thread, name="Shared")]
    assert len(rows) == 2
    under_message = [e for e in rows if e.message_id]
    assert len(under_message) == 1
    assert under_message[0].content == "in both places"


async def test_outside_a_chat_there_is_no_panel_to_open():
    with pytest.raises(NoChatContextError):
        await cl.ElementSidebar.set_title("nowhere")
