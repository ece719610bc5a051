"""The copilot panel's socket signs in with its page's ticket, for its thread only."""

from __future__ import annotations

import html
import re

import pytest
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import Client, override_settings
from django.urls import path

from chat.models import Message, Thread
from chat.platforms.copilot.consumers import CopilotConsumer
from chat.platforms.copilot.tokens import socket_ticket
from chat.web.consumers import CLOSE_UNAUTHENTICATED
from tests.factories import make_message, make_thread
from tests.voice_sockets import Tab, header_of, text_with, tone

pytestmark = pytest.mark.django_db(transaction=True)

APP = AuthMiddlewareStack(
    URLRouter([path("ws/copilot/<str:thread_id>/", CopilotConsumer.as_asgi())])
)


async def connect(thread_id, ticket: str, seen: str = "") -> WebsocketCommunicator:
    query = f"ticket={ticket}" + (f"&seen={seen}" if seen else "")
    return await open_socket(f"/ws/copilot/{thread_id}/?{query}")


async def open_socket(url: str) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(APP, url, headers=[(b"origin", b"http://localhost")])
    connected, _ = await socket.connect()
    assert connected
    return socket


@database_sync_to_async
def drawn_panel(user) -> tuple[str, str]:
    """The panel page as the widget's frame gets it (on the site itself): its socket's
    address, with the marker that page's first connect sends back (as chat.js adds it)."""
    client = Client()
    client.force_login(user)
    with override_settings(CHAT_COPILOT=True):
        page = client.get("/copilot/", {"host": "http://testserver"}).content.decode()
    url = html.unescape(re.search(r'ws-connect="([^"]+)"', page).group(1))
    marker = re.search(r'data-snapshot="([0-9a-f]+)"', page).group(1)
    return url, f"{url}&seen={marker}"


async def frames_until_quiet(socket: WebsocketCommunicator) -> list[str]:
    frames = []
    while not await socket.receive_nothing(timeout=0.5):
        frames.append((await socket.receive_output())["text"])
    return frames


async def test_a_ticket_signs_the_socket_in_to_its_thread(background, use_assistant, user):
    use_assistant("copilot")
    thread = await database_sync_to_async(make_thread)(user, source=Thread.Source.COPILOT)
    socket = await connect(thread.id, socket_ticket(user, thread.id))
    first = await socket.receive_output(timeout=10)
    assert first["type"] == "websocket.send"
    assert 'id="messages"' in first["text"]
    await socket.disconnect()


async def test_a_ticket_of_another_thread_is_refused(background, user):
    mine = await database_sync_to_async(make_thread)(user, source=Thread.Source.COPILOT)
    other = await database_sync_to_async(make_thread)(user, source=Thread.Source.COPILOT)
    socket = await connect(other.id, socket_ticket(user, mine.id))
    closed = await socket.receive_output(timeout=10)
    assert closed == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    await socket.disconnect()


async def test_the_panel_socket_takes_a_recording_and_plays_the_answer(
    background, use_assistant, user
):
    use_assistant("voice")
    thread = await database_sync_to_async(make_thread)(user, source=Thread.Source.COPILOT)
    tab = Tab(await connect(thread.id, socket_ticket(user, thread.id)))
    await tab.until(text_with('id="messages"'))
    pcm = tone(0.5)
    await tab.record(pcm)
    assert f"{len(pcm)} bytes" in await tab.until(text_with("heard"))
    frame = await tab.until(
        lambda f: isinstance(f, bytes) and header_of(f)[0].get("type") == "audio_chunk"
    )
    assert header_of(frame)[0]["track"] == "answer"
    await tab.communicator.disconnect()


async def test_a_panel_just_drawn_is_not_sent_the_conversation_again(background, user):
    thread = await database_sync_to_async(make_thread)(user, source=Thread.Source.COPILOT)
    await database_sync_to_async(make_message)(thread, "What is on the menu today?")
    _, seen = await drawn_panel(user)
    socket = await open_socket(seen)
    assert not any('id="messages"' in frame for frame in await frames_until_quiet(socket))
    await socket.disconnect()


async def test_a_message_stored_after_the_panel_was_drawn_reaches_it_on_connect(
    background, user
):
    thread = await database_sync_to_async(make_thread)(user, source=Thread.Source.COPILOT)
    await database_sync_to_async(make_message)(thread, "What is on the menu today?")
    _, seen = await drawn_panel(user)
    await database_sync_to_async(make_message)(
        thread, "Soup, written meanwhile", author_kind=Message.Author.ASSISTANT
    )
    socket = await open_socket(seen)
    frames = await frames_until_quiet(socket)
    assert any('id="messages"' in f and "Soup, written meanwhile" in f for f in frames)
    await socket.disconnect()
