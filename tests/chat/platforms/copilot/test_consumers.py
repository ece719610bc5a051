"""The copilot panel's socket signs in with its page's ticket, for its thread only."""

from __future__ import annotations

import pytest
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import path

from chat.models import Thread
from chat.platforms.copilot.consumers import CopilotConsumer
from chat.platforms.copilot.tokens import socket_ticket
from chat.web.consumers import CLOSE_UNAUTHENTICATED
from tests.factories import make_thread
from tests.voice_sockets import Tab, header_of, text_with, tone

pytestmark = pytest.mark.django_db(transaction=True)

APP = AuthMiddlewareStack(
    URLRouter([path("ws/copilot/<str:thread_id>/", CopilotConsumer.as_asgi())])
)


async def connect(thread_id, ticket: str) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(
        APP,
        f"/ws/copilot/{thread_id}/?ticket={ticket}",
        headers=[(b"origin", b"http://localhost")],
    )
    connected, _ = await socket.connect()
    assert connected
    return socket


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
