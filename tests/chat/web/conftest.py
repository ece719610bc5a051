"""Fixtures of the web edge's tests."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator

from chatproject.asgi import application
from tests.voice_sockets import ORIGIN, Tab, path_of, session_cookie, text_with


@pytest.fixture
async def open_tab(use_assistant, background):
    opened: list[WebsocketCommunicator] = []
    use_assistant("voice")

    async def open_(thread, user) -> Tab:
        headers = [ORIGIN, (b"cookie", await session_cookie(user))]
        communicator = WebsocketCommunicator(application, path_of(thread), headers=headers)
        opened.append(communicator)
        connected, _ = await communicator.connect(timeout=10)
        assert connected
        tab = Tab(communicator)
        await tab.until(text_with('id="messages"'))
        return tab

    yield open_
    for communicator in opened:
        await communicator.disconnect(timeout=5)
