"""The socket goes away and comes back: the page reconnects and loses nothing."""

from __future__ import annotations

import itertools
import re
import time

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from .conftest import ChatServer
from .helpers import (
    assistant_messages,
    composer,
    send,
    sign_up,
    user_messages,
    wait_connected,
    wait_idle,
)

pytestmark = pytest.mark.browser

SERVICE_RESTART_CODES = {1012, 4012}
WATCH_SECONDS = 7


def raw_socket(context: BrowserContext, server: ChatServer, thread_url: str):
    """A plain websocket client on the thread, with the page's session and an Origin."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies(server.base_url))
    thread_path = thread_url.removeprefix(server.base_url)
    ws_url = f"ws://127.0.0.1:{server.port}/ws{thread_path}"
    return connect(
        ws_url,
        additional_headers={"Cookie": cookies},
        origin=server.base_url,
        open_timeout=10,
        close_timeout=2,
    )


def close_code(ws) -> int | None:
    """Reads until the server closes; the code of its close frame (None: no frame)."""
    try:
        while True:
            ws.recv(timeout=10)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


def test_restart_reconnects_and_sends_a_queued_message_once(
    page: Page, context: BrowserContext, chat_server: ChatServer
) -> None:
    sign_up(page)
    send(page, "hello")
    expect(assistant_messages(page).last.locator(".message__body")).to_have_text("You said: hello")
    wait_idle(page)

    page.evaluate(
        """() => { window.closeCodes = [];
                   document.addEventListener("htmx:wsClose",
                       e => window.closeCodes.push(e.detail.event.code)); }"""
    )
    with raw_socket(context, chat_server, page.url) as ws:
        first = ws.recv(timeout=10)
        assert 'id="messages"' in first

        # SIGTERM: daphne cancels its application instances; ours says "service restart".
        chat_server.stop()
        code = close_code(ws)
        # 1012 is "service restart"; daphne refuses to send it (autobahn allows only 1000
        # and 3000-4999 from applications), so the consumer falls back to 4012.
        assert code in SERVICE_RESTART_CODES, (
            f"expected a service-restart close code on SIGTERM, got {code} "
            f"(None: the TCP connection dropped without a close frame); server log:\n"
            f"{chat_server.log_tail()}"
        )

    expect(page.locator("#connection")).to_have_text("Reconnecting…")
    # The page got the same word; later closes are its attempts while the server is down.
    assert page.evaluate("window.closeCodes[0]") in SERVICE_RESTART_CODES
    expect(page.locator("#connection")).to_have_attribute("data-state", "reconnecting")

    # Typed while the server is down: queued by the page, not lost.
    send(page, "typed while away")
    expect(composer(page)).to_have_value("")
    expect(user_messages(page)).to_have_count(1)

    chat_server.start()
    wait_connected(page, timeout=40_000)
    expect(user_messages(page)).to_have_count(2)
    expect(user_messages(page).last.locator(".message__body")).to_have_text("typed while away")
    expect(assistant_messages(page).last.locator(".message__body")).to_have_text(
        "You said: typed while away", timeout=20_000
    )
    wait_idle(page)

    page.reload()
    wait_connected(page)
    wait_idle(page)
    texts = user_messages(page).locator(".message__body").all_inner_texts()
    assert texts == ["hello", "typed while away"]
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")


def test_a_socket_the_server_closes_as_soon_as_it_opens_is_retried_ever_more_slowly(
    page: Page, chat_server: ChatServer
) -> None:
    """An open that fails within seconds (the server accepts, then cannot go on) does not
    count as a success: the page backs off further each time instead of starting over."""
    sign_up(page, greeting=False)
    opens: list[float] = []

    def accept_then_fail(ws) -> None:
        opens.append(time.monotonic())
        server = ws.connect_to_server()

        def fail(_message: object) -> None:
            ws.close(code=1011, reason="internal error")
            server.close()

        server.on_message(fail)  # the page's socket opened, and its first frame came

    page.route_web_socket(re.compile(r"/ws/threads/"), accept_then_fail)
    page.reload()
    page.wait_for_timeout(WATCH_SECONDS * 1000)
    # Backing off from 0.25-0.5 s and doubling: at most five tries in this time; starting
    # over after each open, about two a second.
    assert 2 <= len(opens) <= 5, [round(b - a, 2) for a, b in itertools.pairwise(opens)]
