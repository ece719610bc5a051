"""The star under a message, pressed in one tab, shows pressed in the thread's other tabs
at once, with the composer's Favorites menu as it now is."""

from __future__ import annotations

import re

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from chat.models import Message
from tests.chat.engine.test_uploads import signed_in
from tests.chat.web.test_consumers import connect, path_of  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_star_pressed_in_one_tab_shows_in_the_others(
    use_assistant,
    connect,  # noqa: F811
    thread,
    user,
):
    use_assistant("echo")
    message = await Message.objects.acreate(
        thread=thread, order=1, author_kind=Message.Author.USER, content="List the open tickets"
    )
    connected, _, other_tab = await connect(path_of(thread), user=user)
    assert connected
    await other_tab.until(lambda f: 'id="messages"' in f)

    client = await sync_to_async(signed_in)(user)
    url = reverse("chat:favorite", args=[message.pk])
    await sync_to_async(client.post)(url, {"starred": "1"})
    frame = await other_tab.until(lambda f: f'id="m-{message.pk}-star"' in f)
    assert re.search(r'hx-swap-oob="outerHTML"><button[^>]*aria-pressed="true"', frame)
    assert "List the open tickets" in frame  # the menu, with it

    await sync_to_async(client.post)(url, {"starred": "0"})
    frame = await other_tab.until(
        lambda f: f'id="m-{message.pk}-star"' in f and 'aria-pressed="false"' in f
    )
    assert "List the open tickets" not in frame.split('id="favorites"')[-1]
