"""Sockets are accepted at once and set up in turns: a storm of sockets opened and dropped
costs almost nothing, and nothing a waiting socket sent is lost."""

from __future__ import annotations

import contextlib

import pytest

from chat.engine import admission
from chat.models import Message, Thread
from tests.chat.web.test_consumers import path_of, replies
from tests.drivers import drain_background, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.asynccontextmanager
async def every_turn_taken():
    """As if as many sockets as may be set up at once were being set up now."""
    turns = admission._turns_of_this_loop()
    for _ in range(admission.SETUPS_AT_ONCE):
        await turns.acquire()
    try:
        yield
    finally:
        for _ in range(admission.SETUPS_AT_ONCE):
            turns.release()


async def started(thread: Thread) -> bool:
    return bool((await Thread.objects.aget(pk=thread.pk)).metadata.get("started"))


async def test_a_socket_is_accepted_at_once_and_set_up_in_its_turn(
    use_assistant, connect, thread, user
):
    use_assistant("echo")
    async with every_turn_taken():
        connected, _, socket = await connect(path_of(thread), user=user)
        assert connected  # the handshake did not wait
        assert await socket.communicator.receive_nothing(timeout=0.3)
    await socket.until(lambda f: 'id="messages"' in f)


async def test_a_socket_dropped_while_it_waited_is_never_set_up(
    use_assistant, connect, thread, user
):
    use_assistant("echo")
    other = await Thread.objects.acreate(owner=user)
    async with every_turn_taken():
        connected, _, dropped = await connect(path_of(thread), user=user)
        assert connected
        await dropped.communicator.disconnect()
    # The next socket is set up; the dropped one, ahead of it, never was.
    connected, _, later = await connect(path_of(other), user=user)
    await later.until(lambda f: 'id="messages"' in f)
    await wait_for(lambda: started(other), within=10, what="the later session started")
    await drain_background()
    assert not await started(thread)


async def test_what_a_socket_sent_while_it_waited_is_handled_in_order(
    use_assistant, connect, thread, user
):
    use_assistant("echo")
    async with every_turn_taken():
        connected, _, socket = await connect(path_of(thread), user=user)
        assert connected
        await socket.say("first", "c1")
        await socket.say("second", "c2")
    await socket.until(lambda f: "echo: second" in f and 'data-status="done"' in f, within=20)
    users = [
        m.content
        async for m in Message.objects.filter(
            thread=thread, author_kind=Message.Author.USER
        ).order_by("order")
    ]
    assert users == ["first", "second"]
    assert [m.content for m in await replies(thread)] == ["echo: first", "echo: second"]
