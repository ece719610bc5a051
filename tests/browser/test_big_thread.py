"""A thread of any size opens (its latest page of messages): over a plain websocket with
and without compression, in a new tab, and again after the server restarts. Daphne sends
no websocket message over 1 MiB; a 10 MB thread goes out in frames under that, its
largest answers over HTTP."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from websockets.sync.client import connect

from .conftest import ChatServer, Product
from .helpers import sign_up, wait_connected

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DAPHNE_LIMIT = 1024 * 1024
EXCHANGES = 150
HUGE_ANSWERS = 2
MESSAGES = 2 * EXCHANGES + HUGE_ANSWERS
SHOWN = 50  # the latest page (CHAT_THREAD_PAGE_SIZE); earlier ones load on demand
FIRST_SHOWN = MESSAGES - SHOWN + 1


def big_thread(product: Product, email: str) -> str:
    """Stores a thread of about 10 MB for the user (see make_big_thread); its id."""
    out = product.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        "from tests.factories import make_big_thread; "
        f"user = get_user_model().objects.get(email={email!r}); "
        f"print(make_big_thread(user, exchanges={EXCHANGES}, huge_answers={HUGE_ANSWERS}).pk)",
    )
    return out.strip().splitlines()[-1]


def snapshot_over_raw_socket(
    context: BrowserContext, server: ChatServer, thread_id: str, compression: str | None
) -> list[str]:
    """The frames a plain websocket client gets on connecting, up to the run state."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies(server.base_url))
    with connect(
        f"ws://127.0.0.1:{server.port}/ws/threads/{thread_id}/",
        additional_headers={"Cookie": cookies},
        origin=server.base_url,
        compression=compression,
        max_size=None,
        open_timeout=20,
        close_timeout=2,
    ) as ws:
        extensions = ws.response.headers.get("Sec-WebSocket-Extensions", "")
        assert ("permessage-deflate" in extensions) == (compression == "deflate"), extensions
        frames = []
        while not frames or 'id="run-state"' not in frames[-1]:
            frames.append(ws.recv(timeout=60))
        return frames


def loaded_over_http(context: BrowserContext, url: str) -> str:
    """What the page gets when it loads a placeholder's URL, with the page's session."""
    response = context.request.get(url)
    assert response.ok, response.status
    return response.text()


@pytest.mark.parametrize("compression", ["deflate", None])
def test_a_ten_megabyte_thread_opens_over_a_websocket_and_again_on_reconnect(
    page: Page, context: BrowserContext, chat_server: ChatServer, product: Product, compression
) -> None:
    thread_id = big_thread(product, sign_up(page))
    for _connection in range(2):
        frames = snapshot_over_raw_socket(context, chat_server, thread_id, compression)
        assert max(len(f.encode()) for f in frames) < DAPHNE_LIMIT
        joined = "".join(frames)
        articles = re.findall(r'<article id="m-.*?</article>', joined, re.S)
        assert len(articles) == SHOWN
        lazy = 0
        for order, article in enumerate(articles, start=FIRST_SHOWN):
            found = re.search(r'hx-get="([^"]+)"', article)
            if found:  # too large for a frame: its text comes over HTTP
                lazy += 1
                article = loaded_over_http(context, found.group(1))
            elif 'data-status="streaming"' in article:  # its text follows in pieces
                article = joined[joined.index(article) :]
            assert re.search(rf"end-of-{order}\b", article), order
        assert lazy >= 1


def test_a_ten_megabyte_thread_opens_in_a_new_tab_and_after_a_restart(
    page: Page, context: BrowserContext, chat_server: ChatServer, product: Product
) -> None:
    thread_id = big_thread(product, sign_up(page))
    context.add_init_script(
        """window.chatCloses = []; window.chatOpens = 0;
           document.addEventListener("htmx:wsOpen", () => { window.chatOpens += 1; });
           document.addEventListener("htmx:wsClose",
               e => window.chatCloses.push(e.detail.event.code));"""
    )
    tab = context.new_page()
    tab.goto(f"/threads/{thread_id}/", timeout=60_000)

    def shows_the_latest_page() -> None:
        wait_connected(tab, timeout=60_000)
        articles = tab.locator("#messages article.message")
        expect(articles).to_have_count(SHOWN, timeout=60_000)
        # The largest finished answer came over HTTP, rendered from markdown, whole.
        huge = articles.nth(SHOWN - 2)
        expect(huge.locator(".message__body")).to_contain_text(
            f"end-of-{MESSAGES - 1}", timeout=60_000
        )
        expect(huge).to_have_attribute("data-status", "done")
        # The one still streaming (or interrupted, once it went stale) shows all its text.
        expect(articles.last).to_contain_text(f"end-of-{MESSAGES}", timeout=60_000)
        expect(articles.nth(2 * EXCHANGES - FIRST_SHOWN)).to_contain_text(
            f"end-of-{2 * EXCHANGES}", timeout=60_000
        )

    shows_the_latest_page()
    assert tab.evaluate("window.chatCloses") == []
    assert tab.evaluate("window.chatOpens") == 1

    chat_server.restart()
    tab.wait_for_function("() => window.chatOpens >= 2", timeout=60_000)
    shows_the_latest_page()
    closes = tab.evaluate("window.chatCloses")
    # The restart's own close, and maybe attempts while it was down; never a too-large one.
    assert closes, "the restart closed no socket"
    assert not {1009, 1011} & set(closes), closes
    assert tab.evaluate("window.chatOpens") == 2
