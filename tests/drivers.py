"""Driving the engine from tests: real chat sessions, a tab on a thread, waiting with deadlines."""

from __future__ import annotations

import asyncio
import html
import re
import uuid
from collections.abc import Callable

import pytest
from channels.layers import get_channel_layer

from chat.engine import background as tasks
from chat.engine import control
from chat.engine.groups import thread_group
from chat.models import Message, Thread

# -- what a tab was shown of a streaming answer ----------------------------------------------
# An answer appears with its first words in it; the next ones are appended to its text.
_FIRST_WORDS = r'<div id="m-{id}-text" class="message__stream">(.*?)</div>'
_APPENDED = r'<span hx-swap-oob="beforeend:#m-{id}-text">(.*?)</span>'
_ANY_ID = "[0-9a-f-]{36}"


def streamed_pieces(frames: list[str], message_id: object = None) -> list[str]:
    """The pieces of a streaming answer's text as a tab was shown them, in order: the
    words it appeared with, then each piece appended (of any answer when no id is given)."""
    message = re.escape(str(message_id)) if message_id is not None else _ANY_ID
    first = re.compile(_FIRST_WORDS.format(id=message), re.S)
    appended = re.compile(_APPENDED.format(id=message), re.S)
    pieces: list[str] = []
    appeared = False
    for frame in frames:
        if not appeared and (words := first.search(frame)):
            appeared = True
            if words.group(1):
                pieces.append(html.unescape(words.group(1)))
        pieces.extend(html.unescape(piece) for piece in appended.findall(frame))
    return pieces


def shows_streamed(frame: str, text: str = "", message_id: object = None) -> bool:
    """Whether the frame shows streamed words (containing `text`) of an answer."""
    return any(text in piece for piece in streamed_pieces([frame], message_id))


# -- waiting, always with a deadline ----------------------------------------------------------
async def wait_for(
    predicate: Callable[[], object], *, within: float = 10.0, what: str = ""
) -> None:
    """Polls a (sync or async) predicate until it holds; fails the test after `within` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            pytest.fail(f"Timed out after {within} s waiting for {what or predicate}")
        await asyncio.sleep(0.01)


async def drain_background() -> None:
    """Lets every chat session of this loop finish its hooks and let go of its thread, then
    cancels the engine's long-lived tasks (listeners, watchdogs, keep-alives).

    Hooks go on after a socket closes; they must not write into the next test's database.
    A hook still busy after a moment (one waiting for an answer, say) is stopped, as the
    Stop button would.
    """
    loop = asyncio.get_running_loop()

    def attached() -> list:
        run_control = control._controls.get(loop)
        return [
            s
            for sessions in (run_control.sessions if run_control else {}).values()
            for s in sessions
        ]

    async def settled(within: float) -> bool:
        deadline = loop.time() + within
        while attached():
            if loop.time() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    if not await settled(0.5):
        for session in attached():
            await session.stop()
        await settled(5.0)
    leftovers = [t for t in list(tasks._running) if t.get_loop() is loop and not t.done()]
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)


# -- a chat session, as a socket holds it ---------------------------------------------------
class GroupListener:
    """A tab on the thread: collects every fragment pushed to the thread's group."""

    def __init__(self, thread_id: uuid.UUID) -> None:
        self.thread_id = thread_id
        self.frames: list[str] = []
        # Called with each frame as it arrives: to see what the server was doing then.
        self.on_frame: Callable[[str], None] | None = None
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        layer = get_channel_layer()
        self.channel = await layer.new_channel()
        await layer.group_add(thread_group(self.thread_id), self.channel)
        self._task = asyncio.get_running_loop().create_task(self._collect(layer))

    async def _collect(self, layer) -> None:
        while True:
            event = await layer.receive(self.channel)
            self.frames.append(event["html"])
            if self.on_frame is not None:
                self.on_frame(event["html"])

    async def until(self, predicate: Callable[[str], bool], *, within: float = 10.0) -> str:
        """The first collected frame for which predicate holds (waiting for it if needed)."""
        found: list[str] = []

        def check() -> bool:
            found[:] = [f for f in self.frames if predicate(f)][:1]
            return bool(found)

        await wait_for(check, within=within, what="a pushed fragment")
        return found[0]

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


class ChatDriver:
    """Drives a real ChatSession the way the consumer does, and watches its thread's group."""

    def __init__(self, thread: Thread, user) -> None:
        self.thread = thread
        self.user = user
        self.tab = GroupListener(thread.id)

    async def open(self) -> ChatDriver:
        from chat.engine.session import ChatSession

        await self.tab.start()
        thread = await Thread.objects.aget(pk=self.thread.pk)
        self.session = ChatSession(thread, self.user)
        await self.session.open()
        await self.idle()
        return self

    async def idle(self, within: float = 10.0) -> None:
        """Waits until no hook of this session is queued or running."""
        await wait_for(lambda: self.session._pending == 0, within=within, what="an idle session")

    async def send(self, text: str, *, client_id: str | None = None, wait: bool = True) -> None:
        await self.session.receive_message(text, client_id or uuid.uuid4().hex)
        if wait:
            await self.idle()

    async def messages(self) -> list[Message]:
        return [m async for m in Message.objects.filter(thread_id=self.thread.pk).order_by("order")]

    async def last_reply(self) -> Message:
        rows = [m for m in await self.messages() if m.author_kind != Message.Author.USER]
        assert rows, "the assistant wrote nothing"
        return rows[-1]

    async def saved_session(self) -> dict:
        thread = await Thread.objects.aget(pk=self.thread.pk)
        return thread.metadata.get("user_session", {})

    async def close(self) -> None:
        if not self.session.closed:
            await self.session.close()
        await self.tab.stop()
