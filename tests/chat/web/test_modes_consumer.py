"""The composer's pickers over the chat websocket, through the real application: the
choice reaches message.modes, is kept with the thread and shown after a reload."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from chat.models import Message, Thread
from tests.chat.web.test_consumers import connect, path_of  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def tab(use_assistant, connect, thread, user):  # noqa: F811
    use_assistant("modes")
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    await socket.until(lambda f: 'id="composer-modes"' in f)
    return socket


async def send(tab, content: str, **modes: str) -> None:
    await tab.send(
        type="message",
        content=content,
        client_id=content,
        **{f"mode:{key}": value for key, value in modes.items()},
    )


@sync_to_async
def page(user, thread) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("chat:thread", args=[thread.pk])).content.decode()


async def test_the_pickers_are_drawn_with_the_defaults_chosen(tab):
    frame = next(f for f in tab.frames if 'id="composer-modes"' in f)
    assert '<select name="mode:model" form="composer" data-mode="model">' in frame
    assert '<option value="flash" selected title="Quick">Flash</option>' in frame
    assert '<option value="pro" title="Most capable">✨ Pro</option>' in frame


async def test_the_choice_reaches_message_modes_and_is_kept_with_the_thread(tab, thread, user):
    await send(tab, "hello", model="pro", reasoning="high")
    await tab.until(lambda f: "model=pro reasoning=high" in f)
    row = await Message.objects.aget(thread=thread, author_kind="user")
    assert row.metadata["modes"] == {"model": "pro", "reasoning": "high"}
    # A message without a choice keeps the earlier one, as the pickers show it.
    await send(tab, "again")
    await tab.until(lambda f: "model=pro reasoning=high" in f and "again" not in f)
    stored = await Thread.objects.aget(pk=thread.pk)
    assert stored.metadata["mode_choices"] == {"model": "pro", "reasoning": "high"}
    html = await page(user, thread)
    assert '<option value="pro" selected title="Most capable">' in html
    assert '<option value="high" selected>' in html
    # The user's message shows what it was sent with.
    assert '<span class="message__mode">Model: Pro</span>' in html


async def test_an_option_not_offered_is_refused_and_no_message_is_stored(tab, thread):
    await send(tab, "hello", model="ultra")
    notice = await tab.until(lambda f: 'id="chat-notice"' in f and "notice--error" in f)
    assert "not offered" in notice
    assert not await Message.objects.filter(thread=thread, author_kind="user").aexists()


async def test_new_pickers_replace_the_old_and_a_choice_no_longer_offered_falls_back(tab):
    await send(tab, "drop pro", model="pro")
    await tab.until(lambda f: 'id="composer-modes"' in f and "mode:model" not in f)
    await tab.until(lambda f: "model=pro reasoning=low" in f)
    await send(tab, "after", model="pro")
    notice = await tab.until(lambda f: 'id="chat-notice"' in f and "notice--error" in f)
    assert "not offered" in notice
