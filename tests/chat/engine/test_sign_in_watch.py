"""One watch per process checks every open socket's sign-in, frames or not: a pass closes
(4401) exactly the sockets whose sign-in ended, leaves the others answering, and checks its
sockets in batches, each socket once per interval. (Through a real server, with the
interval at a second: test_socket_auth_server.py.)"""

from __future__ import annotations

import math
import time

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session

from chat.engine import sign_in_watch
from chat.engine.sign_in_watch import SignInWatch, watch_of_this_loop
from chat.engine.socket_auth import SocketSignIn
from chat.web.consumers import CLOSE_UNAUTHENTICATED
from tests.chat.engine.test_socket_auth_server import signed_in_cookies
from tests.chat.web.test_consumers import path_of
from tests.factories import make_thread, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def session_keys_of(user) -> set[str]:
    return {
        session.session_key
        for session in Session.objects.all()
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    }


async def opened(connect, user, thread):
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    await socket.until(lambda frame: 'id="messages"' in frame)
    return socket


async def closed_as_unauthenticated(socket) -> bool:
    output = await socket.next_output()
    while output["type"] == "websocket.send":  # the start hook's frames
        output = await socket.next_output()
    return output == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


async def test_one_pass_closes_the_sockets_whose_sign_in_ended_and_only_those(
    connect, use_assistant, full_checks
):
    use_assistant("echo")
    ada = await database_sync_to_async(make_user)("ada@example.com")
    ben = await database_sync_to_async(make_user)("ben@example.com")
    adas = await database_sync_to_async(make_thread)(ada)
    bens = await database_sync_to_async(make_thread)(ben)
    ended_tab = await opened(connect, ada, adas)
    ended_session = await session_keys_of(ada)
    kept_tab = await opened(connect, ada, adas)  # another browser of hers
    bens_tab = await opened(connect, ben, bens)
    # Nothing announced: an expired session's cleanup, an account changed in bulk.
    await Session.objects.filter(session_key__in=ended_session).adelete()
    await type(ben).objects.filter(pk=ben.pk).aupdate(is_active=False)
    full_checks.clear()  # each socket's check as it opened

    await watch_of_this_loop().check_due(now=math.inf)

    assert full_checks == [3]  # the three sockets, in one check
    assert await closed_as_unauthenticated(ended_tab)
    assert await closed_as_unauthenticated(bens_tab)
    await kept_tab.say("still here?")
    await kept_tab.until(lambda frame: "echo: still here?" in frame)


async def a_sign_in(user) -> SocketSignIn:
    cookies = await signed_in_cookies(user)
    return SocketSignIn(user.pk, next(iter(cookies.values())))


class Ends:
    """What the watch ended, in order."""

    def __init__(self) -> None:
        self.ended: list[SocketSignIn] = []

    def of(self, sign_in: SocketSignIn):
        async def end() -> None:
            self.ended.append(sign_in)

        return end


async def test_a_pass_checks_many_sockets_in_batches_and_ends_none_that_hold(
    background, user, full_checks, monkeypatch
):
    monkeypatch.setattr(sign_in_watch, "BATCH", 2)
    watch, ends = SignInWatch(), Ends()
    for sign_in in [await a_sign_in(user) for _ in range(5)]:
        watch.add(sign_in, ends.of(sign_in))

    await watch.check_due(now=math.inf)

    assert full_checks == [2, 2, 1]
    assert ends.ended == []
    assert len(watch) == 5


async def test_each_socket_is_checked_once_per_interval(background, user, full_checks):
    watch, ends = SignInWatch(), Ends()
    sign_in = await a_sign_in(user)
    watch.add(sign_in, ends.of(sign_in))
    opened_at = time.monotonic()

    await watch.check_due(now=opened_at)  # not due yet
    assert full_checks == []
    await watch.check_due(now=opened_at + sign_in_watch.FULL_CHECK_SECONDS + 1)
    assert full_checks == [1]
    assert sign_in.checked_at >= opened_at  # what a frame reads instead of checking again
    await watch.check_due(now=time.monotonic() + 1)  # checked a moment ago: not due again
    assert full_checks == [1]


async def test_a_closed_socket_is_no_longer_checked(background, user, full_checks):
    watch, ends = SignInWatch(), Ends()
    open_, closed = await a_sign_in(user), await a_sign_in(user)
    watch.add(open_, ends.of(open_))
    watch.add(closed, ends.of(closed))

    watch.discard(closed)
    await watch.check_due(now=math.inf)

    assert full_checks == [1]
    assert len(watch) == 1


async def test_an_ended_socket_is_closed_once_and_watched_no_more(background, user, full_checks):
    watch, ends = SignInWatch(), Ends()
    sign_in = await a_sign_in(user)
    watch.add(sign_in, ends.of(sign_in))
    await Session.objects.filter(session_key=sign_in.session_key).adelete()

    await watch.check_due(now=math.inf)
    await watch.check_due(now=math.inf)

    assert ends.ended == [sign_in]
    assert sign_in.ended
    assert len(watch) == 0
    assert full_checks == [1]
