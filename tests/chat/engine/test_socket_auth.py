"""Every frame re-checks the socket's sign-in, cheaply: the person's auth version on every
frame, the session in full when the version moved or the process's watch has not checked
it for too long. Staff two-factor holds on the socket as on the pages. (The sign-out,
password change and deactivation through a real server: test_socket_auth_server.py; the
watch: test_sign_in_watch.py.)"""

from __future__ import annotations

import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test.utils import override_settings

from chat.engine import sign_in_watch, socket_auth
from chat.models import Message, Thread
from chat.platforms.copilot.tokens import socket_ticket
from chat.web.consumers import CLOSE_UNAUTHENTICATED
from tests.chat.engine.test_socket_auth_server import signed_in_cookies
from tests.chat.platforms.copilot.test_consumers import connect as copilot_socket
from tests.chat.web.test_consumers import path_of
from tests.factories import make_thread, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def end_sessions_silently(user) -> None:
    """Ends the person's sessions without any signal, as an expiry or a cleanup would."""
    for session in Session.objects.all():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()


async def closed_unanswered(tab, thread, content: str) -> None:
    """Reads the socket to its close (the start hook's frames may come first)."""
    output = await tab.next_output()
    while output["type"] == "websocket.send":
        assert content not in output["text"]
        output = await tab.next_output()
    assert output == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    assert not await Message.objects.filter(thread=thread, content=content).aexists()


async def test_a_frame_after_the_version_moved_finds_the_session_gone(tab, thread, user):
    await end_sessions_silently(user)
    # Another instance recorded the sign-out, and its announcement never came.
    await cache.aset(socket_auth.version_key(user.pk), "moved")

    await tab.say("hello")

    await closed_unanswered(tab, thread, "hello")


async def a_socket_sign_in(user, checked_ago: float) -> socket_auth.SocketSignIn:
    """The sign-in of a socket opened by a session of the user, last checked so long ago."""
    session_key = (await signed_in_cookies(user))[settings.SESSION_COOKIE_NAME]
    return socket_auth.SocketSignIn(
        user.pk,
        session_key,
        version=await socket_auth.current_version(user.pk),
        checked_at=time.monotonic() - checked_ago,
    )


async def test_a_frame_after_the_check_interval_reads_the_watchs_check(user, full_checks):
    # Longer ago than the interval: the watch is about to check it, with the others.
    sign_in = await a_socket_sign_in(user, checked_ago=sign_in_watch.FULL_CHECK_SECONDS + 1)

    assert await sign_in.holds()
    assert full_checks == []


async def test_a_frame_checks_in_full_when_the_watch_has_not_for_too_long(user, full_checks):
    sign_in = await a_socket_sign_in(user, checked_ago=sign_in_watch.trusted_for() + 1)
    await end_sessions_silently(user)  # nothing announced, the version unchanged

    assert not await sign_in.holds()
    assert full_checks == [1]


async def test_frames_go_on_while_the_sign_in_holds(tab, user):
    await database_sync_to_async(socket_auth.sign_ins_changed)(user.pk)

    await tab.say("hello")

    await tab.until(lambda frame: "echo: hello" in frame)


@override_settings(CHAT_MFA_REQUIRED_FOR_STAFF=True)
async def test_staff_without_an_authenticator_are_refused_on_the_socket(connect, background):
    staff = await database_sync_to_async(make_user)("boss@corp.example", is_staff=True)
    thread = await database_sync_to_async(make_thread)(staff)

    connected, _, socket = await connect(path_of(thread), user=staff)

    assert connected
    assert await socket.next_output() == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


@override_settings(CHAT_MFA_REQUIRED_FOR_STAFF=True)
async def test_staff_with_an_authenticator_chat_as_usual(connect, use_assistant):
    use_assistant("echo")
    staff = await database_sync_to_async(make_user)("boss@corp.example", is_staff=True)
    await database_sync_to_async(TOTP.activate)(staff, generate_totp_secret())
    thread = await database_sync_to_async(make_thread)(staff)

    connected, _, socket = await connect(path_of(thread), user=staff)

    assert connected
    await socket.until(lambda frame: 'id="messages"' in frame)


async def test_a_copilot_socket_closes_on_any_end_of_its_persons_sign_ins(background, user):
    thread = await database_sync_to_async(make_thread)(user, source=Thread.Source.COPILOT)
    socket = await copilot_socket(thread.id, socket_ticket(user, thread.id))
    assert 'id="messages"' in (await socket.receive_output(timeout=10))["text"]

    # Its ticket names no session: a sign-out anywhere may be the one that signed it in.
    await database_sync_to_async(socket_auth.sign_ins_changed)(user.pk, "some-session")

    output = await socket.receive_output(timeout=10)
    while output["type"] == "websocket.send":  # the start hook's frames
        output = await socket.receive_output(timeout=10)
    assert output == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    await socket.disconnect()


# A Redis nobody listens on: every cache call fails, as in an outage.
DEAD_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


@override_settings(CHAT_MESSAGE_RATE_LIMIT="")
async def test_frames_are_checked_against_the_database_while_the_cache_is_out_of_reach(
    tab, thread, user
):
    with override_settings(CACHES=DEAD_CACHE):
        await tab.say("hello")
        await tab.until(lambda frame: "echo: hello" in frame)

        await end_sessions_silently(user)
        await tab.say("again")

        await closed_unanswered(tab, thread, "again")
