"""Voice over the chat websocket, through the real ASGI application: a recording in binary
frames reaches the assistant's audio hooks in order and whole, audio comes back to the tab
that recorded, and bad frames are refused with a notice while the socket stays open."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from chat.models import Message
from chatproject.asgi import application
from tests.factories import make_thread
from tests.voice_sockets import (
    ORIGIN,
    RATE,
    Tab,
    header_of,
    notice,
    path_of,
    pieces,
    session_cookie,
    silence,
    text_with,
    tone,
)

pytestmark = pytest.mark.django_db(transaction=True)


async def answers(thread) -> list[str]:
    rows = Message.objects.filter(thread=thread, author_kind=Message.Author.ASSISTANT)
    return [m.content async for m in rows.order_by("order")]


async def test_a_tone_arrives_whole_and_in_order_and_the_answer_plays_on_this_tab(
    open_tab, thread, user
):
    tab = await open_tab(thread, user)
    pcm = silence(0.2) + tone(0.5)
    await tab.record(pcm)
    heard = await tab.until(text_with("heard"))
    count = len(pieces(pcm))
    assert f"heard {count} pieces, {len(pcm)} bytes" in heard
    assert "starts 1 first True, mime pcm16, elapsed 700 ms" in heard
    loudest = int(heard.split("loudest ")[1].split(",")[0])
    assert 11000 < loudest <= 12000
    # The answer's audio: an interrupt, then the tone, as binary frames to this socket.
    frame = await tab.until(
        lambda f: isinstance(f, bytes) and header_of(f)[0].get("type") == "audio_chunk"
    )
    header, data = header_of(frame)
    assert header == {
        "type": "audio_chunk",
        "track": "answer",
        "mimeType": "pcm16",
        "sampleRate": RATE,
    }
    assert len(data) == 4800
    kinds = [header_of(f)[0]["type"] for f in tab.binaries]
    assert kinds.index("audio_interrupt") < kinds.index("audio_chunk")


async def test_silence_is_heard_as_silence(open_tab, thread, user):
    tab = await open_tab(thread, user)
    await tab.record(silence(0.5))
    assert "loudest 0," in await tab.until(text_with("heard"))


async def test_on_audio_start_refusing_turns_the_microphone_off(open_tab, thread, user):
    tab = await open_tab(thread, user)
    await tab.say("refuse")
    await tab.until(text_with("noted: refuse"))
    await tab.send(type="audio_start")
    await tab.connection("off")  # a plain no: the page says the assistant is not listening
    # A piece sent anyway is refused with a word; the socket stays open and works.
    await tab.communicator.send_to(bytes_data=tone(0.1))
    assert "No recording is open" in await tab.until(notice)
    await tab.say("still here")
    await tab.until(text_with("noted: still here"))
    assert not any("heard" in a for a in await answers(thread))


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"\x01\x02\x03", "not 16-bit sound"),
        (b"\x00", "not 16-bit sound"),
        (b"\0" * (64 * 1024 + 2), "too large"),
    ],
)
async def test_a_bad_piece_drops_the_recording_whole_and_the_socket_stays(
    open_tab, thread, user, frame, reason
):
    tab = await open_tab(thread, user)
    await tab.send(type="audio_start")
    await tab.connection("on")
    await tab.communicator.send_to(bytes_data=tone(0.1))
    await tab.communicator.send_to(bytes_data=frame)
    assert reason in await tab.until(notice)
    await tab.connection("off")
    # The end that follows takes nothing: half a recording is no turn.
    await tab.send(type="audio_end")
    await tab.say("after")
    await tab.until(text_with("noted: after"))
    assert not any("heard" in a for a in await answers(thread))


async def test_audio_faster_than_speech_is_refused(open_tab, thread, user):
    tab = await open_tab(thread, user)
    await tab.send(type="audio_start")
    await tab.connection("on")
    for piece in pieces(tone(5.0), size=48000):
        await tab.communicator.send_to(bytes_data=piece)
    assert "faster than it can be spoken" in await tab.until(notice)
    await tab.send(type="audio_end")
    await tab.say("after")
    await tab.until(text_with("noted: after"))
    assert not any("heard" in a for a in await answers(thread))


@override_settings(CHAT_AUDIO_MAX_SECONDS=1)
async def test_the_longest_recording_ends_it_and_sends_what_fits(open_tab, thread, user):
    tab = await open_tab(thread, user)
    await tab.send(type="audio_start")
    await tab.connection("on")
    for piece in pieces(tone(1.5)):
        await tab.communicator.send_to(bytes_data=piece)
    assert "longest length (1 second)" in await tab.until(notice)
    heard = await tab.until(text_with("heard"))
    assert f"{RATE * 2} bytes" in heard


async def test_a_failing_chunk_hook_drops_the_recording(open_tab, thread, user):
    tab = await open_tab(thread, user)
    await tab.say("fail")
    await tab.until(text_with("noted: fail"))
    await tab.record(tone(0.3))
    await tab.until(text_with("the chunk hook broke"))
    await tab.say("after")
    await tab.until(text_with("noted: after"))
    assert not any("heard" in a for a in await answers(thread))


async def test_a_recording_cut_by_a_drop_is_never_taken_as_a_turn(open_tab, thread, user):
    tab = await open_tab(thread, user)
    await tab.send(type="audio_start")
    await tab.connection("on")
    for piece in pieces(tone(0.3)):
        await tab.communicator.send_to(bytes_data=piece)
    await tab.communicator.disconnect(timeout=5)
    # The page reconnects (here or elsewhere): the rest of the recording finds none open.
    again = await open_tab(thread, user)
    await again.communicator.send_to(bytes_data=tone(0.1))
    assert "No recording is open" in await again.until(notice)
    await again.send(type="audio_end")
    await again.say("after")
    await again.until(text_with("noted: after"))
    assert not any("heard" in a for a in await answers(thread))


async def test_audio_reaches_only_the_tab_that_recorded(open_tab, thread, user, other_user):
    recorder = await open_tab(thread, user)
    second_tab = await open_tab(thread, user)
    foreign = await database_sync_to_async(make_thread)(other_user)
    stranger = await open_tab(foreign, other_user)
    await recorder.record(tone(0.3))
    await recorder.until(text_with("heard"))
    await recorder.until(
        lambda f: isinstance(f, bytes) and header_of(f)[0].get("type") == "audio_chunk"
    )
    # The thread's other tab sees the answer (the thread's group) but plays nothing; the
    # other person's thread sees neither.
    await second_tab.until(text_with("heard"))
    await stranger.say("mine")
    await stranger.until(text_with("noted: mine"))
    assert second_tab.binaries == []
    assert stranger.binaries == []
    assert not any("heard" in t for t in stranger.texts)
    assert not any("heard" in a for a in await answers(foreign))


async def test_a_piece_sent_to_a_thread_with_no_listener_is_refused(
    background, use_assistant, thread, user
):
    use_assistant("echo")
    headers = [ORIGIN, (b"cookie", await session_cookie(user))]
    communicator = WebsocketCommunicator(application, path_of(thread), headers=headers)
    assert (await communicator.connect(timeout=10))[0]
    tab = Tab(communicator)
    await tab.until(text_with('id="messages"'))
    await tab.send(type="audio_start")
    assert "does not listen to voice" in await tab.until(notice)
    # The page waiting for a yes or a no hears no, with the notice as the reason.
    await tab.connection("off")
    assert [header_of(f)[0] for f in tab.binaries] == [
        {"type": "audio_connection", "state": "off", "explained": True}
    ]
    await communicator.disconnect(timeout=5)
