"""A Chainlit voice app (tests/port_check/voice_assistant.py), its import changed and
nothing else: silence detection on `elapsedTime`, a WAV built from the pieces, transcribed
by the fake server's /audio/transcriptions, answered by its chat model, the answer spoken
by its /audio/speech; the question and the answer kept as Audio elements."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from channels.testing import WebsocketCommunicator

from chat.models import Element, Message
from chatproject.asgi import application
from tests.fake_llm import KEY
from tests.voice_sockets import (
    ORIGIN,
    Tab,
    path_of,
    pieces,
    session_cookie,
    silence,
    text_with,
    tone,
)

pytestmark = pytest.mark.django_db(transaction=True)

APP = str(Path(__file__).resolve().parents[2] / "port_check" / "voice_assistant.py")


async def test_the_chainlit_voice_app_hears_a_question_after_silence_and_answers_aloud(
    use_assistant, background, fake_llm, monkeypatch, thread, user
):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.openai_url)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    use_assistant(APP)
    headers = [ORIGIN, (b"cookie", await session_cookie(user))]
    communicator = WebsocketCommunicator(application, path_of(thread), headers=headers)
    assert (await communicator.connect(timeout=10))[0]
    tab = Tab(communicator)
    await tab.until(text_with("Welcome!"))
    await tab.send(type="audio_start")
    await tab.connection("on")
    # Spoken at about the pace of speech: the app ends the question on 1.3 s of silence,
    # with the microphone still open.
    for piece in pieces(tone(1.2) + silence(1.6), size=4800):
        await communicator.send_to(bytes_data=piece)
        await asyncio.sleep(0.01)
    await tab.until(text_with("You said: What time is it?"), within=20)
    asked = [r for r in fake_llm.requests if r["path"].endswith("/audio/transcriptions")]
    assert len(asked) == 1
    assert asked[0]["body"]["model"] == "whisper-1"
    # Everything until the silence was long enough (1.3 s of it) is in the recording.
    assert 2.4 <= asked[0]["body"]["seconds"] <= 2.6
    await tab.send(type="audio_end")
    # The speech step's output names the file first; the answer's player comes after it.
    await tab.until(lambda f: isinstance(f, str) and "<audio" in f and "answer.wav" in f, within=20)
    question = await Message.objects.aget(thread=thread, content="What time is it?")
    assert question.author_kind == Message.Author.USER
    answer = await Message.objects.aget(thread=thread, content="You said: What time is it?")
    audio = {(e.message_id, e.name) async for e in Element.objects.filter(kind="audio")}
    assert audio == {(question.pk, "question.wav"), (answer.pk, "answer.wav")}
    await communicator.disconnect(timeout=5)
