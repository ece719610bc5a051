"""The first load of the chat page stays light: HTML, CSS and JS under 150 KB."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, Response

from .conftest import ChatServer
from .helpers import sign_up, wait_connected, wait_idle

pytestmark = pytest.mark.browser

BUDGET_BYTES = 150 * 1000
COUNTED = {"document", "stylesheet", "script"}


def test_first_chat_page_load_is_under_150_kb(
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
        for response in responses:
            kind = response.request.resource_type
            if kind not in COUNTED or not 200 <= response.status < 300:
                continue
            sizes[response.url.removeprefix(chat_server.base_url)] = len(response.body())
        total = sum(sizes.values())
        listing = "\n".join(f"{size:>8}  {url}" for url, size in sorted(sizes.items()))
        print(f"\nfirst chat page load: {total} bytes\n{listing}")
        assert any("/threads/" in url for url in sizes), listing
        assert any(url.endswith(".css") for url in sizes), listing
        assert any(url.endswith(".js") for url in sizes), listing
        assert total < BUDGET_BYTES, f"{total} bytes is over the budget:\n{listing}"
    finally:
        fresh.close()
