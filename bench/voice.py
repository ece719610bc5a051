#!/usr/bin/env python3
"""Voice: what listening costs the server, how soon the answer starts, how well the offline
transcriber hears.

    .venv/bin/python bench/voice.py [--seconds 10]

Prints `name: value unit` for:

  stream_cpu_ms_per_audio_s   the process's CPU time per second of audio streamed in over
                              the websocket (binary frames of 0.1 s, sent in real time) to
                              an assistant that gathers the pieces (bench/app_voice.py)
  stream_rss_kib_per_audio_s  the growth of the process's resident memory per second of audio
                              (the PCM itself, kept by the assistant, is 47 KiB a second)
  answer_delay_ms_endpoint    from the end of a spoken question (audio_end) to the first
                              words of the default assistant's answer, transcribed by the
                              fake OpenAI-compatible server's /audio/transcriptions
  answer_delay_ms_offline     the same with PocketSphinx (needs espeak-ng for the question)
  offline_wer                 PocketSphinx's word error rate on three sentences said by
                              espeak-ng (its synthetic voice; people fare differently)

Everything runs in this process on the embedded default (a new SQLite file, the in-memory
channel layer): the websocket is the real ASGI application, driven by Channels' test client.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import uuid
import wave
from pathlib import Path

RATE = 24000
SENTENCES = ("what time is it", "please open the door", "the weather is nice today")


def tone(seconds: float) -> bytes:
    count = int(RATE * seconds)
    return struct.pack(
        f"<{count}h", *(int(9000 * math.sin(2 * math.pi * 440 * i / RATE)) for i in range(count))
    )


def spoken(text: str, folder: Path) -> bytes:
    from chat.assistants.voice import resample

    path = folder / f"{uuid.uuid4().hex}.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path), text], check=True)
    with wave.open(str(path)) as wav:
        return resample(wav.readframes(wav.getnframes()), wav.getframerate(), RATE)


def rss_kib() -> int:
    """The process's resident memory now (not its peak, which start-up set)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def word_errors(said: str, heard: str) -> tuple[int, int]:
    """Word-level edit distance, and the number of words said."""
    a, b = said.lower().split(), heard.lower().split()
    row = list(range(len(b) + 1))
    for i, word in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[len(b)], len(a)


async def open_tab(thread, user):
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.conf import settings
    from django.test import Client

    from chatproject.asgi import application

    def cookie() -> bytes:
        client = Client()
        client.force_login(user)
        name = settings.SESSION_COOKIE_NAME
        return f"{name}={client.cookies[name].value}".encode()

    headers = [
        (b"origin", b"http://localhost"),
        (b"host", b"localhost"),
        (b"cookie", await database_sync_to_async(cookie)()),
    ]
    tab = WebsocketCommunicator(application, f"/ws/threads/{thread.pk}/", headers=headers)
    connected, code = await tab.connect(timeout=10)
    assert connected, code
    return tab


async def until(tab, predicate, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while True:
        output = await tab.receive_output(timeout=max(0.0, deadline - time.monotonic()))
        frame = output.get("text") if output.get("text") is not None else output.get("bytes")
        if isinstance(frame, str) and "chat-notice" in frame and "<span>" in frame:
            print("notice:", frame.split("<span>")[1].split("<")[0], file=sys.stderr)
        if frame is not None and predicate(frame):
            return


def json_frame(**fields) -> str:
    return json.dumps({**fields, "HEADERS": {}})


def is_on(frame) -> bool:
    return isinstance(frame, bytes) and b'"state":"on"' in frame[:80]


async def stream_cost(seconds: float, user, make_thread) -> tuple[float, float]:
    from channels.db import database_sync_to_async

    from chat.engine.assistant import load

    load("bench/app_voice.py", force=True)
    thread = await database_sync_to_async(make_thread)(user)
    tab = await open_tab(thread, user)
    await until(tab, lambda f: isinstance(f, str) and 'id="messages"' in f)
    piece = tone(0.1)
    rss_before = rss_kib()
    cpu_before = time.process_time()
    await tab.send_to(text_data=json_frame(type="audio_start"))
    await until(tab, is_on)
    started = time.monotonic()
    for n in range(int(seconds * 10)):
        await tab.send_to(bytes_data=piece)
        # Real time, as a microphone sends.
        await asyncio.sleep(max(0.0, started + (n + 1) / 10 - time.monotonic()))
    await tab.send_to(text_data=json_frame(type="audio_end"))
    await until(tab, lambda f: isinstance(f, str) and "heard " in f)
    cpu = time.process_time() - cpu_before
    rss = rss_kib() - rss_before
    await tab.disconnect()
    return cpu * 1000 / seconds, rss / seconds


async def answer_delay(pcm: bytes, user, make_thread) -> float:
    from channels.db import database_sync_to_async

    from chat.engine.assistant import load

    load("chat/assistants/default.py", force=True)
    thread = await database_sync_to_async(make_thread)(user)
    tab = await open_tab(thread, user)
    await until(tab, lambda f: isinstance(f, str) and 'id="messages"' in f)
    await tab.send_to(text_data=json_frame(type="audio_start"))
    await until(tab, is_on)
    for start in range(0, len(pcm), 4800):
        await tab.send_to(bytes_data=pcm[start : start + 4800])
    ended = time.monotonic()
    await tab.send_to(text_data=json_frame(type="audio_end"))
    await until(tab, lambda f: isinstance(f, str) and "You said" in f)
    delay = time.monotonic() - ended
    await tab.disconnect()
    return delay * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    os.chdir(root)
    os.environ["CHAT_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-voice-")
    for name in ("DATABASE_URL", "REDIS_URL", "CHAT_TTS_MODEL", "CHAT_LLM_MODEL"):
        os.environ.pop(name, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "chatproject.settings"
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from chat.assistants.voice import transcribe_offline
    from tests.factories import make_thread, make_user
    from tests.fake_llm import KEY, FakeLLMServer

    call_command("migrate", verbosity=0)
    # Loads the configured assistant: before the ones loaded here, not after them.
    import chatproject.asgi  # noqa: F401

    user = make_user(email=f"bench-{uuid.uuid4().hex[:6]}@example.com")
    # espeak-ng speaks aloud with no model set: the answers here stay silent.
    settings.CHAT_TTS_MODEL = ""
    have_espeak = shutil.which("espeak-ng") is not None

    cpu, rss = asyncio.run(stream_cost(args.seconds, user, make_thread))
    print(f"stream_cpu_ms_per_audio_s: {cpu:.1f} ms")
    print(f"stream_rss_kib_per_audio_s: {rss:.0f} KiB")

    folder = Path(tempfile.mkdtemp(prefix="bench-voice-wav-"))
    question = spoken(SENTENCES[0], folder) if have_espeak else tone(1.5)
    fake = FakeLLMServer().start()
    try:
        settings.CHAT_STT_MODEL = "whisper-1"
        settings.CHAT_STT_BASE_URL = fake.openai_url
        settings.CHAT_STT_API_KEY = KEY
        delay = asyncio.run(answer_delay(question, user, make_thread))
        print(f"answer_delay_ms_endpoint: {delay:.0f} ms")
    finally:
        fake.stop()
        settings.CHAT_STT_MODEL = ""
    if not have_espeak:
        print("offline figures: skipped (no espeak-ng to say the sentences)")
        return
    delay = asyncio.run(answer_delay(question, user, make_thread))
    print(f"answer_delay_ms_offline: {delay:.0f} ms")
    errors = words = 0
    for sentence in SENTENCES:
        heard = transcribe_offline(spoken(sentence, folder), RATE)
        wrong, count = word_errors(sentence, heard)
        errors, words = errors + wrong, words + count
        print(f"  said {sentence!r}, heard {heard!r}")
    print(f"offline_wer: {errors / words:.2f}")


if __name__ == "__main__":
    main()
