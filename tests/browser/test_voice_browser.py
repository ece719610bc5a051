"""Talking to the default assistant in Chromium with a fake microphone that plays a
recorded question: the microphone button records (level, timer), stops on the silence after
the question, the transcript appears as the user's message with the recording, and the
answer is played as it streams and kept as an <audio> element. Without the microphone
permission, a clear notice, and typing still works."""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fake_llm import KEY, FakeLLMServer

from .conftest import CHROMIUM, CHROMIUM_ARGS, ChatServer, Product
from .helpers import assistant_messages, send, sign_up, user_messages, wait_idle

pytestmark = pytest.mark.browser


def question_wav(path: Path) -> Path:
    """A spoken question (espeak-ng, or a tone where it is missing), then 3 s of silence:
    Chromium plays the file in a loop as the microphone's sound."""
    rate = 24000
    if shutil.which("espeak-ng"):
        spoken = path.with_suffix(".spoken.wav")
        subprocess.run(["espeak-ng", "-w", str(spoken), "what time is it"], check=True)
        with wave.open(str(spoken)) as wav:
            rate, pcm = wav.getframerate(), wav.readframes(wav.getnframes())
    else:
        pcm = struct.pack(
            f"<{rate}h", *(int(12000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(rate))
        )
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\0\0" * (rate // 2) + pcm + b"\0\0" * (rate * 3))
    return path


@pytest.fixture(scope="module")
def voice_server(product: Product) -> Iterator[tuple[ChatServer, FakeLLMServer]]:
    fake = FakeLLMServer().start()
    server = product.server(
        "voice",
        CHAT_STT_MODEL="whisper-1",
        CHAT_STT_BASE_URL=fake.openai_url,
        CHAT_STT_API_KEY=KEY,
        CHAT_TTS_MODEL="tts-1",
        CHAT_TTS_BASE_URL=fake.openai_url,
        CHAT_TTS_API_KEY=KEY,
    )
    server.start()
    try:
        yield server, fake
    finally:
        server.stop()
        fake.stop()


@pytest.fixture(scope="module")
def microphone_browser(browser, tmp_path_factory):
    # Started by the session's Playwright: one runs per thread.
    wav = question_wav(tmp_path_factory.mktemp("voice") / "question.wav")
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
        "--autoplay-policy=no-user-gesture-required",
    ]
    microphone = browser.browser_type.launch(executable_path=str(CHROMIUM), args=args)
    try:
        yield microphone
    finally:
        microphone.close()


def voice_page(browser, server: ChatServer) -> Page:
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(20_000)
    return context.new_page()


def test_a_spoken_question_is_heard_answered_and_played(
    microphone_browser, voice_server, shots_dir: Path
) -> None:
    server, fake = voice_server
    page = voice_page(microphone_browser, server)
    try:
        sign_up(page)
        talk = page.get_by_role("button", name="Talk")
        expect(talk).to_have_attribute("aria-keyshortcuts", "Alt+M")
        talk.click()
        expect(page.locator("#voice-button")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#voice-status")).to_be_visible()
        page.screenshot(path=str(shots_dir / "voice-recording.png"))
        # It stops by itself after the question's silence, and the transcript comes.
        expect(user_messages(page).last).to_contain_text("What time is it?", timeout=30_000)
        expect(page.locator("#voice-button")).to_have_attribute("aria-pressed", "false")
        expect(user_messages(page).last.locator("audio")).to_have_count(1)
        expect(assistant_messages(page).last).to_contain_text("You said: What time is it?")
        # Spoken to as written to: the starters go, and the recording is no file to read.
        expect(page.get_by_role("button", name="Take the tour")).to_have_count(0)
        expect(assistant_messages(page)).to_have_count(2)
        # The answer's speech: pieces played as they came, then kept under the answer.
        expect(page.locator("#voice-button[data-played-chunks]")).to_have_count(1)
        expect(assistant_messages(page).last.locator("audio")).to_have_count(1, timeout=30_000)
        wait_idle(page)
        page.screenshot(path=str(shots_dir / "voice-answered.png"))
        heard = [r for r in fake.requests if r["path"].endswith("/audio/transcriptions")]
        assert heard
        assert heard[-1]["body"]["seconds"] > 1.0
        # The keyboard starts it too, and pressing again sends.
        page.keyboard.press("Alt+m")
        expect(page.locator("#voice-button")).to_have_attribute("aria-pressed", "true")
        page.locator("#voice-button").click()
        expect(page.locator("#voice-button")).to_have_attribute("aria-pressed", "false")
    finally:
        page.context.close()


def test_without_the_microphone_permission_a_notice_says_so_and_typing_works(
    browser, voice_server
) -> None:
    server, _ = voice_server
    page = voice_page(browser, server)  # a browser that grants no microphone
    try:
        sign_up(page)
        page.get_by_role("button", name="Talk").click()
        expect(page.locator("#chat-notice")).to_contain_text(
            "microphone", ignore_case=True, timeout=20_000
        )
        expect(page.locator("#voice-button")).to_have_attribute("aria-pressed", "false")
        send(page, "echo typed instead")
        expect(assistant_messages(page).last).to_contain_text("typed instead")
    finally:
        page.context.close()


def test_recording_on_a_phone_leaves_room_to_type_and_reads_well(
    microphone_browser, voice_server, shots_dir: Path
) -> None:
    server, _ = voice_server
    context = microphone_browser.new_context(
        base_url=server.base_url, viewport={"width": 390, "height": 800}, color_scheme="dark"
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        sign_up(page)
        page.get_by_role("button", name="Talk").click()
        expect(page.locator("#voice-status")).to_be_visible()
        expect(page.locator("#voice-timer")).to_have_attribute("role", "timer")
        page.screenshot(path=str(shots_dir / "voice-recording-390-dark.png"))
        field = page.locator("#message-input").bounding_box()
        button = page.locator("#voice-button").bounding_box()
        timer = page.locator("#voice-timer").bounding_box()
        assert field is not None
        assert button is not None
        assert timer is not None
        # The message field keeps a usable width beside the meter and timer...
        assert field["width"] >= 100
        # ...which sit on the microphone button's middle line.
        middle = button["y"] + button["height"] / 2
        assert abs(timer["y"] + timer["height"] / 2 - middle) <= 2
        # The ticking timer is no live region: a screen reader is not read every second.
        live = page.locator("#voice-status").evaluate(
            "el => !!el.closest('[role=status], [role=alert], [aria-live]')"
        )
        assert not live
        page.locator("#voice-button").click()
        expect(page.locator("#voice-button")).to_have_attribute("aria-pressed", "false")
    finally:
        context.close()
