"""The chat's websocket is compressed as browsers ask (permessage-deflate), with small
windows, and streaming works through it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .helpers import assistant_messages, send, sign_up, wait_connected, wait_idle

pytestmark = pytest.mark.browser


def test_the_socket_is_compressed_and_an_answer_streams_through_it(page: Page) -> None:
    sign_up(page)
    handshakes: list[dict] = []
    cdp = page.context.new_cdp_session(page)
    cdp.on("Network.webSocketHandshakeResponseReceived", lambda event: handshakes.append(event))
    cdp.send("Network.enable")
    page.reload()
    wait_connected(page)

    assert handshakes, "no websocket handshake seen"
    headers = {k.lower(): v for k, v in handshakes[-1]["response"]["headers"].items()}
    extensions = headers.get("sec-websocket-extensions", "")
    assert "permessage-deflate" in extensions
    # The client is asked for a small window: an open socket holds little zlib state.
    assert "client_max_window_bits=10" in extensions

    send(page, "long")
    answer = assistant_messages(page).last
    expect(answer).to_contain_text("That is the end of the tour", timeout=30_000)
    wait_idle(page)
    # Streamed whole through the compressed socket, then rendered: its first heading too.
    expect(answer.get_by_role("heading", name="A tour of what streams")).to_be_visible()
    expect(answer.locator("table")).to_be_visible()
