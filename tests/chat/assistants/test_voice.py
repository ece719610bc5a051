"""The default assistant's voice, over the real socket: a recording transcribed by an
OpenAI-compatible endpoint (the fake server) or offline by PocketSphinx, shown as the
user's message with the recording attached, answered, and the answer spoken."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.files.storage import default_storage

from chat.models import Element, Message
from chat.threads import history
from chatproject.asgi import application
from tests.fake_llm import KEY
from tests.voice_sockets import (
    ORIGIN,
    Tab,
    header_of,
    path_of,
    session_cookie,
    silence,
    text_with,
    tone,
)

pytestmark = pytest.mark.django_db(transaction=True)

DEFAULT = str(Path(__file__).resolve().parents[3] / "chat" / "assistants" / "default.py")


@pytest.fixture
def speech_endpoints(settings, fake_llm):
    settings.CHAT_STT_MODEL = "whisper-1"
    settings.CHAT_STT_BASE_URL = fake_llm.openai_url
    settings.CHAT_STT_API_KEY = KEY
    settings.CHAT_TTS_MODEL = "tts-1"
    settings.CHAT_TTS_BASE_URL = fake_llm.openai_url
    settings.CHAT_TTS_API_KEY = KEY
    return fake_llm


@pytest.fixture
async def default_tab(use_assistant, background):
    opened: list[WebsocketCommunicator] = []

    async def open_(thread, user) -> Tab:
        use_assistant(DEFAULT)  # after the settings: it listens only when it can hear
        headers = [ORIGIN, (b"cookie", await session_cookie(user))]
        communicator = WebsocketCommunicator(application, path_of(thread), headers=headers)
        opened.append(communicator)
        assert (await communicator.connect(timeout=10))[0]
        tab = Tab(communicator)
        await tab.until(text_with('id="messages"'))
        return tab

    yield open_
    for communicator in opened:
        await communicator.disconnect(timeout=5)


def spoken(text: str, wav: Path) -> bytes:
    """`text` said by espeak-ng, as PCM16 at 24 kHz."""
    from chat.assistants.voice import resample

    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), text], check=True)
    with wave.open(str(wav)) as recorded:
        return resample(recorded.readframes(recorded.getnframes()), recorded.getframerate(), 24000)


async def stored(thread) -> list[Message]:
    rows = Message.objects.filter(thread=thread).order_by("order")
    return [m async for m in rows]


async def test_a_spoken_question_is_transcribed_shown_answered_and_spoken(
    speech_endpoints, default_tab, thread, user
):
    tab = await default_tab(thread, user)
    await tab.record(silence(0.2) + tone(0.8))
    await tab.until(text_with("You said: What time is it?"))
    frame = await tab.until(
        lambda f: isinstance(f, bytes) and header_of(f)[0].get("type") == "audio_chunk"
    )
    assert header_of(frame)[0]["sampleRate"] == 24000
    transcription = [
        r["body"] for r in speech_endpoints.requests if r["path"].endswith("/transcriptions")
    ]
    assert transcription == [{"model": "whisper-1", "seconds": 1.0, "rate": 24000}]
    # The question is the user's, with the recording; the answer keeps its speech.
    messages = await stored(thread)
    question = next(m for m in messages if m.content == "What time is it?")
    assert question.author_kind == Message.Author.USER
    answer = next(m for m in messages if m.content == "You said: What time is it?")
    await tab.until(lambda f: isinstance(f, str) and "answer.wav" in f, within=20)
    kinds = [(e.message_id, e.kind, e.mime) async for e in Element.objects.filter(thread=thread)]
    assert (question.pk, "audio", "audio/wav") in kinds
    assert (answer.pk, "audio", "audio/wav") in kinds
    speech = [r["body"] for r in speech_endpoints.requests if r["path"].endswith("/speech")]
    assert speech == [
        {
            "model": "tts-1",
            "voice": "alloy",
            "input": "You said: What time is it?",
            "response_format": "pcm",
        }
    ]


async def test_silence_is_not_taken_for_words(speech_endpoints, default_tab, thread, user):
    tab = await default_tab(thread, user)
    await tab.record(silence(0.6))
    await tab.until(text_with("could not make out any words"))
    assert not [m for m in await stored(thread) if m.author_kind == Message.Author.USER]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
async def test_offline_it_hears_a_spoken_sentence_and_speaks_with_espeak(
    settings, default_tab, thread, user, tmp_path
):
    pytest.importorskip("pocketsphinx")
    settings.CHAT_STT_MODEL = ""
    settings.CHAT_TTS_MODEL = ""
    pcm = spoken("the weather is nice today", tmp_path / "question.wav")
    tab = await default_tab(thread, user)
    await tab.record(silence(0.3) + pcm + silence(0.3))
    said = await tab.until(text_with("You said: "), within=30)
    heard = said.split("You said: ")[1].split("<")[0].strip()
    # PocketSphinx is no match for a model, but it hears a word of it.
    assert set(heard.lower().split()) & {"weather", "whether", "nice", "today", "day"}
    frame = await tab.until(
        lambda f: isinstance(f, bytes) and header_of(f)[0].get("type") == "audio_chunk"
    )
    assert header_of(frame)[0]["sampleRate"] == 22050


async def test_a_conversation_begun_by_voice_is_named_by_its_transcript(
    speech_endpoints, default_tab, thread, user
):
    tab = await default_tab(thread, user)
    await tab.record(silence(0.2) + tone(0.8))
    # The open tabs see the new name, as after a typed first message.
    await tab.until(
        lambda f: isinstance(f, str) and "thread-title" in f and "What time is it?" in f
    )
    await thread.arefresh_from_db()
    assert thread.title == "What time is it?"
    # A later question, spoken or typed, leaves the name alone.
    await tab.until(text_with("You said: What time is it?"))
    await tab.say("And tomorrow?")
    await tab.until(text_with("You said: And tomorrow?"))
    await thread.arefresh_from_db()
    assert thread.title == "What time is it?"


async def test_the_recordings_go_with_their_thread(speech_endpoints, default_tab, thread, user):
    tab = await default_tab(thread, user)
    await tab.record(silence(0.2) + tone(0.8))
    await tab.until(lambda f: isinstance(f, str) and "answer.wav" in f, within=20)
    files = [e.file.name async for e in Element.objects.filter(thread=thread, kind="audio")]
    assert len(files) == 2  # the question's recording and the answer's speech
    for name in files:
        assert await sync_to_async(default_storage.exists)(name)
    await tab.communicator.disconnect(timeout=5)

    await sync_to_async(history.delete)(user, thread.pk)

    for name in files:
        assert not await sync_to_async(default_storage.exists)(name)
