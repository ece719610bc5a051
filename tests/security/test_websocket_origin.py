"""A websocket is opened only from the site's own pages: the Origin must match the page's
scheme, host and port (or be in CSRF_TRUSTED_ORIGINS), against a real daphne started as
the shipped commands start it, and behind a trusted TLS proxy that says https."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.factories import make_thread
from tests.security.servers import (
    TRUSTED_ORIGIN,
    ForwardingProxy,
    fresh_loopback_address,
)

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def session_of(user) -> tuple[str, str]:
    client = Client()
    client.force_login(user)
    thread = make_thread(user)
    return (
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
        str(thread.pk),
    )


async def opens(port: int, origin: str, cookie: str, thread_id: str) -> bool:
    """Whether a socket to the thread opens and gets the thread, or is refused."""
    try:
        connection = await connect(
            f"ws://127.0.0.1:{port}/ws/threads/{thread_id}/",
            origin=origin,
            additional_headers={"Cookie": cookie},
            local_addr=(fresh_loopback_address(), 0),
            proxy=None,
            open_timeout=20,
        )
    except InvalidStatus as refused:
        if refused.response.status_code != 403:
            raise
        return False
    try:
        while 'id="messages"' not in str(await connection.recv(decode=True)):
            pass
        return True
    finally:
        await connection.close()


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:9999",  # another port of an allowed host
        "http://localhost:{port}",  # another allowed host
        "https://127.0.0.1:{port}",  # another scheme
        "http://127.0.0.1",  # the default port
        "https://chat.example.com:8443",  # a trusted origin's host on another port
        "http://chat.example.com",  # a trusted origin's host in another scheme
        "null",
    ],
)
async def test_a_socket_from_another_origin_is_refused(web, user, origin):
    cookie, thread_id = await session_of(user)
    assert not await opens(web.port, origin.format(port=web.port), cookie, thread_id)


async def test_a_socket_from_the_sites_own_origin_or_a_trusted_one_opens(web, user):
    cookie, thread_id = await session_of(user)
    assert await opens(web.port, f"http://127.0.0.1:{web.port}", cookie, thread_id)
    assert await opens(web.port, TRUSTED_ORIGIN, cookie, thread_id)


async def test_behind_a_tls_proxy_the_page_is_https(web, behind_proxy, user):
    proxy = behind_proxy()
    cookie, thread_id = await session_of(user)
    assert await opens(proxy.port, f"https://127.0.0.1:{proxy.port}", cookie, thread_id)
    assert not await opens(proxy.port, f"http://127.0.0.1:{proxy.port}", cookie, thread_id)
    assert not await opens(proxy.port, f"https://127.0.0.1:{web.port}", cookie, thread_id)


@pytest.mark.parametrize(("proto", "page"), [("wss", "https"), ("ws", "http")])
async def test_behind_traefik_which_says_ws_or_wss_the_socket_has_that_scheme(
    web, user, proto, page
):
    """Traefik sends X-Forwarded-Proto: wss (or ws) on a websocket's request."""
    proxy = ForwardingProxy(web.port, web.trusted_proxy, proto=proto).start()
    try:
        cookie, thread_id = await session_of(user)
        other = "http" if page == "https" else "https"
        assert await opens(proxy.port, f"{page}://127.0.0.1:{proxy.port}", cookie, thread_id)
        assert not await opens(proxy.port, f"{other}://127.0.0.1:{proxy.port}", cookie, thread_id)
    finally:
        proxy.stop()
