"""A recording whose socket drops and comes back on the other web instance, as a load
balancer without sticky sessions sends it: the recording cut by the drop ends cleanly
with a notice, and no hook takes its half for a whole turn; the next one is heard whole.

Services backend only: REDIS_URL set and DATABASE_URL on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

from chat.models import Message, Thread
from tests.conftest import ASSISTANTS_DIR
from tests.services import Daphne, instances_env, started
from tests.test_two_instances import pytestmark, session_cookie  # noqa: F401
from tests.voice_sockets import header_of, pieces, tone

ASSISTANT = str(ASSISTANTS_DIR / "voice.py")


@pytest.fixture(scope="module")
def two_webs(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("voice-instances")
    with django_db_blocker.unblock():
        env = instances_env(tmp, "voice", CHAT_ASSISTANT=ASSISTANT, MEDIA_ROOT=str(tmp))
    with started(env, tmp) as processes:
        yield processes


class VoiceTab:
    """A tab's socket to one instance: text frames (HTML) and binary ones (audio) apart."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.frames: list[str | bytes] = []

    async def until(self, predicate: Callable[[str | bytes], bool], within: float = 30.0):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            try:
                frame = await asyncio.wait_for(
                    self.connection.recv(), timeout=max(0.01, deadline - loop.time())
                )
            except TimeoutError:
                texts = [f[:200] for f in self.frames[-4:] if isinstance(f, str)]
                pytest.fail(f"Nothing matching within {within} s: {texts}")
            self.frames.append(frame)
            if predicate(frame):
                return frame

    async def send(self, **fields) -> None:
        await self.connection.send(json.dumps({**fields, "HEADERS": {}}))

    async def microphone(self, state: str) -> None:
        def wanted(frame) -> bool:
            return isinstance(frame, bytes) and header_of(frame)[0] == {
                "type": "audio_connection",
                "state": state,
            }

        await self.until(wanted)


def text_with(words: str):
    return lambda f: isinstance(f, str) and words in f


@pytest.fixture
async def tab(user):
    from websockets.asyncio.client import connect

    cookie = await session_cookie(user)
    opened: list[VoiceTab] = []

    async def open_(instance: Daphne, thread: Thread) -> VoiceTab:
        base = f"127.0.0.1:{instance.port}"
        connection = await connect(
            f"ws://{base}/ws/threads/{thread.pk}/",
            origin=f"http://{base}",
            additional_headers={"Cookie": cookie},
            proxy=None,
            open_timeout=20,
        )
        opened.append(VoiceTab(connection))
        await opened[-1].until(text_with("run-state"))  # the snapshot
        return opened[-1]

    yield open_
    for each in opened:
        await each.connection.close()


async def heard(thread: Thread) -> list[str]:
    rows = Message.objects.filter(thread=thread, content__startswith="heard").order_by("order")
    return [m.content async for m in rows]


async def test_a_recording_cut_by_a_move_to_the_other_instance_ends_cleanly(two_webs, tab, thread):
    web1, web2 = two_webs
    first = await tab(web1, thread)
    await first.send(type="audio_start")
    await first.microphone("on")
    spoken = pieces(tone(1.0))
    for piece in spoken[:3]:
        await first.connection.send(piece)
    # The network drops mid-sentence; the page comes back through the other instance.
    await first.connection.close()
    second = await tab(web2, thread)

    # What was left of the sentence, sent late, finds no recording there: a notice says
    # so, the socket stays open, and the end that follows starts no answer.
    for piece in spoken[3:]:
        await second.connection.send(piece)
    await second.until(text_with("No recording is open"))
    await second.send(type="audio_end")

    # A new recording on the new instance is heard whole, and as its own.
    await second.send(type="audio_start")
    await second.microphone("on")
    again = tone(0.5)
    for piece in pieces(again):
        await second.connection.send(piece)
    await second.send(type="audio_end")
    answer = await second.until(text_with("heard"))
    assert f"heard 5 pieces, {len(again)} bytes" in answer
    assert "starts 1 first True" in answer

    # The first instance never ended the cut recording on its own: one answer in all.
    await asyncio.sleep(1.0)
    rows = await heard(thread)
    assert len(rows) == 1
    assert rows[0].startswith(f"heard 5 pieces, {len(again)} bytes")
