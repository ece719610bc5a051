"""The first load of the chat page stays light: HTML, CSS and JS under 100 KB on the wire,
text compressed, heavy libraries (Plotly, the highlighter) left for pages that need them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, Response

from .conftest import ChatServer
from .helpers import sign_up, wait_connected, wait_idle

pytestmark = pytest.mark.browser

BUDGET_BYTES = 100 * 1000
COUNTED = {"document", "stylesheet", "script"}


def test_first_chat_page_load_is_under_100_kb_on_the_wire(
    page: Page, browser: Browser, chat_server: ChatServer
) -> None:
    sign_up(page)
    state = page.context.storage_state()

    # A fresh context: nothing cached, only the session cookie.
    fresh = browser.new_context(base_url=chat_server.base_url, storage_state=state)
    try:
        responses: list[Response] = []
        first = fresh.new_page()
        first.on("response", lambda response: responses.append(response))
        first.goto("/")
        wait_connected(first)
        wait_idle(first)

        sizes: dict[str, int] = {}
        unpacked = 0
        for response in responses:
            kind = response.request.resource_type
            if kind not in COUNTED or not 200 <= response.status < 300:
                continue
            url = response.url.removeprefix(chat_server.base_url)
            sizes[url] = response.request.sizes()["responseBodySize"]
            body = len(response.body())
            unpacked += body
            if body > 1000:  # text worth compressing is sent compressed
                assert response.headers.get("content-encoding") == "gzip", url
        total = sum(sizes.values())
        listing = "\n".join(f"{size:>8}  {url}" for url, size in sorted(sizes.items()))
        print(f"\nfirst chat page load: {total} bytes sent ({unpacked} unpacked)\n{listing}")
        assert not any("plotly" in url or "highlight" in url for url in sizes), listing
        assert any("/threads/" in url for url in sizes), listing
        assert any(url.endswith(".css") for url in sizes), listing
        assert any(url.endswith(".js") for url in sizes), listing
        assert total < BUDGET_BYTES, f"{total} bytes is over the budget:\n{listing}"
    finally:
        fresh.close()
