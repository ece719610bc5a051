"""Voice frames from someone trying to break it, through the real ASGI application: frames
with no sign-in, on another person's thread or after the sign-out reach no hook; floods of
tiny pieces and text frames posing as audio are refused with a notice on an open socket;
a recording never ended is let go, whole, when its socket closes."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import cache

from chat.engine import control, socket_auth
from chat.models import Message
from chat.web.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED
from chatproject.asgi import application
from tests.chat.engine.test_socket_auth import end_sessions_silently
from tests.chat.web.test_voice_consumer import answers
from tests.factories import make_thread
from tests.voice_sockets import ORIGIN, notice, path_of, session_cookie, text_with, tone

pytestmark = pytest.mark.django_db(transaction=True)


async def closed_with(communicator: WebsocketCommunicator) -> int:
    """Reads the socket to its close and returns the code."""
    while True:
        output = await communicator.receive_output(timeout=10)
        if output["type"] == "websocket.close":
            return output["code"]


async def record_unended(communicator: WebsocketCommunicator, frame: bytes) -> None:
    await communicator.send_to(text_data=json.dumps({"type": "audio_start"}))
    for _ in range(3):
        await communicator.send_to(bytes_data=frame)


async def test_audio_with_no_sign_in_reaches_no_hook(use_assistant, background, thread):
    use_assistant("voice")
    communicator = WebsocketCommunicator(application, path_of(thread), headers=[ORIGIN])
    await communicator.connect(timeout=10)
    await record_unended(communicator, tone(0.1))
    await communicator.send_to(text_data=json.dumps({"type": "audio_end"}))
    assert await closed_with(communicator) == CLOSE_UNAUTHENTICATED
    assert not await Message.objects.filter(thread=thread).aexists()


async def test_audio_on_another_persons_thread_reaches_no_hook(
    use_assistant, background, thread, other_user
):
    use_assistant("voice")
    headers = [ORIGIN, (b"cookie", await session_cookie(other_user))]
    communicator = WebsocketCommunicator(application, path_of(thread), headers=headers)
    await communicator.connect(timeout=10)
    await record_unended(communicator, tone(0.1))
    await communicator.send_to(text_data=json.dumps({"type": "audio_end"}))
    assert await closed_with(communicator) == CLOSE_FORBIDDEN
    assert not await Message.objects.filter(thread=thread).aexists()
    assert str(thread.pk) not in control.control().sessions


async def test_audio_after_the_sign_out_closes_the_socket_and_drops_the_recording(
    open_tab, thread, user
):
    tab = await open_tab(thread, user)
    await tab.send(type="audio_start")
    await tab.connection("on")
    await tab.communicator.send_to(bytes_data=tone(0.1))
    await end_sessions_silently(user)
    await cache.aset(socket_auth.version_key(user.pk), "moved")  # signed out elsewhere

    await tab.communicator.send_to(bytes_data=tone(0.1))
    await tab.communicator.send_to(text_data=json.dumps({"type": "audio_end"}))

    assert await closed_with(tab.communicator) == CLOSE_UNAUTHENTICATED
    await tab.communicator.send_input({"type": "websocket.disconnect", "code": 1000})
    await until_let_go(thread)
    assert not any("heard" in a for a in await answers(thread))


async def until_let_go(thread) -> None:
    """Waits for the thread's session to be gone from this process (its work all done)."""
    for _ in range(100):
        if str(thread.pk) not in control.control().sessions:
            return
        await asyncio.sleep(0.05)
    pytest.fail("The closed socket's session is still held.")


async def test_thousands_of_tiny_pieces_are_refused_and_the_socket_stays(open_tab, thread, user):
    tab = await open_tab(thread, user)
    await tab.send(type="audio_start")
    await tab.connection("on")
    for _ in range(2000):
        await tab.communicator.send_to(bytes_data=b"\0\0")
    assert "too many small pieces" in await tab.until(notice)
    await tab.send(type="audio_end")
    await tab.say("after")
    await tab.until(text_with("noted: after"))
    assert not any("heard" in a for a in await answers(thread))


async def test_a_text_frame_posing_as_audio_is_refused_and_the_recording_goes_on(
    open_tab, thread, user
):
    tab = await open_tab(thread, user)
    await tab.send(type="audio_start")
    await tab.connection("on")
    await tab.communicator.send_to(bytes_data=tone(0.2))
    await tab.send(type="audio_chunk", data="AAAA" * 1000, isStart=True)
    assert "Unknown frame type" in await tab.until(notice)
    await tab.communicator.send_to(bytes_data=tone(0.2))
    await tab.send(type="audio_end")
    # Only the binary pieces were heard: 0.4 s at 24 kHz.
    assert "19200 bytes" in await tab.until(text_with("heard"))


async def test_a_recording_never_ended_is_let_go_when_its_socket_closes(open_tab, thread, user):
    tab = await open_tab(thread, user)
    await tab.send(type="audio_start")
    await tab.connection("on")
    await tab.communicator.send_to(bytes_data=tone(0.3))
    assert str(thread.pk) in control.control().sessions

    await tab.communicator.disconnect(timeout=5)

    await until_let_go(thread)
    assert not any("heard" in a for a in await answers(thread))


async def test_audio_from_another_thread_of_ones_own_stays_there(open_tab, thread, user):
    other = await database_sync_to_async(make_thread)(user)
    first = await open_tab(thread, user)
    second = await open_tab(other, user)
    await first.send(type="audio_start")
    await first.connection("on")
    await second.communicator.send_to(bytes_data=tone(0.1))
    assert "No recording is open" in await second.until(notice)
    await first.communicator.send_to(bytes_data=tone(0.2))
    await first.send(type="audio_end")
    assert "9600 bytes" in await first.until(text_with("heard"))
    assert not any("heard" in a for a in await answers(other))
