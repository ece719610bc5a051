"""The websocket speaks the page's language: what it pushes is translated like the page."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from chatproject.asgi import application
from tests.chat.web.test_consumers import ORIGIN, Socket, path_of, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def open_socket(background, use_assistant):
    use_assistant("echo")
    opened: list[WebsocketCommunicator] = []

    async def open_(thread, user, *headers: tuple[bytes, bytes]) -> Socket:
        cookie = await session_cookie(user)
        communicator = WebsocketCommunicator(
            application, path_of(thread), headers=[ORIGIN, *headers, (b"cookie", cookie)]
        )
        opened.append(communicator)
        connected, _ = await communicator.connect(timeout=10)
        assert connected
        return Socket(communicator)

    yield open_
    for communicator in opened:
        await communicator.disconnect(timeout=5)


async def test_the_browser_s_language_translates_what_the_socket_pushes(open_socket, thread, user):
    socket = await open_socket(thread, user, (b"accept-language", b"de-CH, de;q=0.9"))
    snapshot = await socket.until(lambda f: 'id="messages"' in f)
    assert "Senden Sie eine Nachricht, um die Unterhaltung zu beginnen." in snapshot

    await socket.until(lambda f: 'data-running="true"' in f)  # the session's start
    await socket.until(lambda f: 'data-running="false"' in f)
    await socket.send(type="edit", message_id="nope", content="neu")
    notice = await socket.until(lambda f: 'id="chat-notice"' in f and "notice--error" in f)
    assert "Diese Nachricht kann nicht mehr bearbeitet werden." in notice


async def test_the_account_s_language_wins_over_the_browser_s(open_socket, thread, user):
    user.language = "ar"
    await sync_to_async(user.save)(update_fields=["language"])
    socket = await open_socket(thread, user, (b"accept-language", b"de"))
    snapshot = await socket.until(lambda f: 'id="messages"' in f)
    assert "أرسل رسالة لبدء المحادثة." in snapshot
