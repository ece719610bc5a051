"""A socket opened before its sign-in ended is closed as unauthenticated (4401) within
seconds, without sending a frame, and answers nothing after: through a real daphne, with
the sign-out, the password change and the deactivation done over HTTP on that server.

Runs on both backends: the embedded default (SQLite, in-memory layer and cache, all in
the server's process) and the services (PostgreSQL, Redis); and with two web processes,
each of which checks its own sockets against the shared database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid

import httpx
import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.sessions.models import Session
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from chat.models import Message
from chat.web.consumers import CLOSE_UNAUTHENTICATED
from tests.conftest import ASSISTANTS_DIR
from tests.factories import PASSWORD, make_thread, make_user
from tests.services import Daphne, free_port, service_env

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "another-long-password-77"
# Seconds a socket may take to be closed: "within seconds", never a speed check.
CLOSED_WITHIN = 10.0


@pytest.fixture(scope="module")
def server_env(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sign-out")
    with django_db_blocker.unblock():
        env = service_env(
            tmp,
            f"chat-test-{uuid.uuid4().hex[:12]}",
            CHAT_ASSISTANT=str(ASSISTANTS_DIR / "echo.py"),
            MEDIA_ROOT=str(tmp / "media"),
            CHAT_MESSAGE_RATE_LIMIT="",
            # A sign-in that ends unannounced closes its sockets within a second or so.
            CHAT_SIGN_IN_CHECK_SECONDS="1",
        )
    env["CHANNEL_PREFIX"] = f"chat-sign-out-{uuid.uuid4().hex[:8]}"
    return env, tmp


@pytest.fixture(scope="module")
def server(server_env):
    env, tmp = server_env
    daphne = Daphne("web", env, tmp, free_port())
    daphne.start()
    yield daphne
    daphne.stop()


@pytest.fixture(scope="module")
def other_server(server_env):
    """A second web process on the same database (and, on the services, the same Redis)."""
    env, tmp = server_env
    daphne = Daphne("web-2", env, tmp, free_port())
    daphne.start()
    yield daphne
    daphne.stop()


def person(email: str, **extra):
    """An account whose password the server (with the production hasher) can check."""
    user = make_user(email, **extra)
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "saltsaltsalt")
    user.save(update_fields=["password"])
    return user


@database_sync_to_async
def signed_in_cookies(user) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return {name: client.cookies[name].value}


class Browser:
    """One browser's cookies, talking HTTP to the server as a browser does."""

    def __init__(self, server: Daphne, cookies: dict[str, str]) -> None:
        self.base = f"http://127.0.0.1:{server.port}"
        self.http = httpx.AsyncClient(base_url=self.base, cookies=cookies, timeout=30)

    async def post_form(self, path: str, fields: dict[str, str]) -> httpx.Response:
        """Opens the form's page for its CSRF token, then posts it, as a person would."""
        page = await self.http.get(path)
        assert page.status_code == 200, page.text[:300]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return await self.http.post(
            path,
            data={"csrfmiddlewaretoken": token, **fields},
            headers={"Origin": self.base, "Referer": f"{self.base}{path}"},
        )

    async def socket(self, thread, on: Daphne | None = None) -> Tab:
        """A tab on the thread, by default on the server this browser talks to."""
        host = f"127.0.0.1:{on.port}" if on else self.base.removeprefix("http://")
        cookie = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        connection = await connect(
            f"ws://{host}/ws/threads/{thread.pk}/",
            origin=f"http://{host}",
            additional_headers={"Cookie": cookie},
            proxy=None,
            open_timeout=20,
        )
        tab = Tab(connection)
        await tab.until(lambda frame: 'id="messages"' in frame)
        return tab


class Tab:
    def __init__(self, connection) -> None:
        self.connection = connection
        self.frames: list[str] = []

    async def until(self, predicate, within: float = 20.0) -> str:
        while True:
            frame = await asyncio.wait_for(self.connection.recv(), timeout=within)
            self.frames.append(frame)
            if predicate(frame):
                return frame

    async def say(self, content: str) -> None:
        frame = {"type": "message", "content": content, "client_id": uuid.uuid4().hex}
        await self.connection.send(json.dumps({**frame, "HEADERS": {"HX-Request": "true"}}))

    async def close_code(self) -> int | None:
        """Reads what is left until the server closes the socket; its close code."""
        try:
            async with asyncio.timeout(CLOSED_WITHIN):
                while True:
                    self.frames.append(await self.connection.recv())
        except ConnectionClosed:
            pass
        except TimeoutError:
            pytest.fail(f"The socket was still open after {CLOSED_WITHIN} s")
        return self.connection.close_code


@pytest.fixture
async def browsers(server):
    opened: list[Browser] = []

    async def open_(user) -> Browser:
        browser = Browser(server, await signed_in_cookies(user))
        opened.append(browser)
        return browser

    yield open_
    for browser in opened:
        await browser.http.aclose()


async def answered(tab: Tab) -> None:
    await tab.say("still here?")
    await tab.until(lambda frame: "echo: still here?" in frame)


async def test_signing_out_closes_a_socket_opened_before_without_a_frame(browsers):
    user = await database_sync_to_async(person)("ada@example.com")
    thread = await database_sync_to_async(make_thread)(user)
    browser = await browsers(user)
    tab = await browser.socket(thread)
    await answered(tab)

    response = await browser.post_form("/accounts/logout/", {})
    assert response.status_code == 302

    assert await tab.close_code() == CLOSE_UNAUTHENTICATED


async def test_a_frame_sent_right_after_signing_out_is_not_answered(browsers):
    user = await database_sync_to_async(person)("ben@example.com")
    thread = await database_sync_to_async(make_thread)(user)
    browser = await browsers(user)
    tab = await browser.socket(thread)

    response = await browser.post_form("/accounts/logout/", {})
    assert response.status_code == 302
    with contextlib.suppress(ConnectionClosed):  # closed already: nothing could be sent
        await tab.say("after sign-out")

    assert await tab.close_code() == CLOSE_UNAUTHENTICATED
    assert not [frame for frame in tab.frames if "after sign-out" in frame]
    assert not await Message.objects.filter(thread=thread, content="after sign-out").aexists()


async def test_signing_out_one_browser_leaves_the_other_browsers_socket_open(browsers):
    user = await database_sync_to_async(person)("cy@example.com")
    thread = await database_sync_to_async(make_thread)(user)
    leaving, staying = await browsers(user), await browsers(user)
    gone, kept = await leaving.socket(thread), await staying.socket(thread)

    await leaving.post_form("/accounts/logout/", {})

    assert await gone.close_code() == CLOSE_UNAUTHENTICATED
    await answered(kept)


async def test_a_password_change_closes_the_sockets_of_the_other_sessions(browsers):
    user = await database_sync_to_async(person)("dee@example.com")
    thread = await database_sync_to_async(make_thread)(user)
    elsewhere, here = await browsers(user), await browsers(user)
    tab = await elsewhere.socket(thread)

    response = await here.post_form(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.text[:500]

    assert await tab.close_code() == CLOSE_UNAUTHENTICATED


async def test_deactivating_an_account_in_the_admin_closes_its_sockets(browsers):
    user = await database_sync_to_async(person)("eve@example.com")
    admin = await database_sync_to_async(person)(
        "root@example.com", is_staff=True, is_superuser=True
    )
    thread = await database_sync_to_async(make_thread)(user)
    tab = await (await browsers(user)).socket(thread)

    staff = await browsers(admin)
    response = await staff.post_form(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "email": user.email,
            "display_name": "",
            "first_name": "",
            "last_name": "",
            # is_active left out: the box is unticked.
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.text[:800]

    assert await tab.close_code() == CLOSE_UNAUTHENTICATED


def session_key_of(browser: Browser) -> str:
    return browser.http.cookies[settings.SESSION_COOKIE_NAME]


async def test_an_account_deactivated_without_a_signal_closes_a_socket_that_sends_nothing(
    browsers,
):
    user = await database_sync_to_async(person)("fay@example.com")
    thread = await database_sync_to_async(make_thread)(user)
    tab = await (await browsers(user)).socket(thread)

    # A bulk update: no signal, no announcement; the tab only reads.
    await get_user_model().objects.filter(pk=user.pk).aupdate(is_active=False)

    assert await tab.close_code() == CLOSE_UNAUTHENTICATED


async def test_a_session_deleted_without_a_signal_closes_its_socket_that_sends_nothing(browsers):
    user = await database_sync_to_async(person)("gus@example.com")
    thread = await database_sync_to_async(make_thread)(user)
    ended, kept = await browsers(user), await browsers(user)
    gone, open_ = await ended.socket(thread), await kept.socket(thread)

    # As an expired session's cleanup does: the row goes, nothing is announced.
    await Session.objects.filter(session_key=session_key_of(ended)).adelete()

    assert await gone.close_code() == CLOSE_UNAUTHENTICATED
    await answered(open_)


async def test_each_web_process_closes_its_own_sockets_of_a_session_ended_without_a_signal(
    browsers, other_server
):
    user = await database_sync_to_async(person)("hal@example.com")
    thread = await database_sync_to_async(make_thread)(user)
    ended, kept = await browsers(user), await browsers(user)
    here, there = await ended.socket(thread), await ended.socket(thread, on=other_server)
    staying = await kept.socket(thread, on=other_server)

    # Nothing announced (an expired session's cleanup): each process finds it by itself.
    await Session.objects.filter(session_key=session_key_of(ended)).adelete()

    assert await here.close_code() == CLOSE_UNAUTHENTICATED
    assert await there.close_code() == CLOSE_UNAUTHENTICATED
    await answered(staying)
