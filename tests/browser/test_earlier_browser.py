"""A long conversation opens at its end; "Show earlier messages" (by keyboard) loads the
pages before it above, announced, with the reader kept where they were: in the chat and
on its shared read-only link. A page just drawn is not sent its conversation again when
its socket connects; a reconnect is."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, Page, WebSocket, expect

from .conftest import ChatServer, Product
from .helpers import send, sign_up, wait_connected, wait_idle

pytestmark = pytest.mark.browser

MESSAGES = 120


def long_thread(product: Product, email: str) -> str:
    """Stores a thread of MESSAGES messages ("msg-1" ...) for the user; its id."""
    out = product.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        "from tests.factories import make_long_thread; "
        f"user = get_user_model().objects.get(email={email!r}); "
        f"print(make_long_thread(user, {MESSAGES}).pk)",
    )
    return out.strip().splitlines()[-1]


def top_of(page: Page, selector: str) -> float:
    """Where the element's top is once the view has settled: the same over two painted
    frames (a page just connected may still be following its end)."""
    return page.locator(selector).evaluate(
        """el => new Promise(done => {
            let last = null;
            const look = () => {
                const top = el.getBoundingClientRect().top;
                if (top === last) return done(top);
                last = top;
                requestAnimationFrame(() => requestAnimationFrame(look));
            };
            look();
        })"""
    )


def test_earlier_messages_load_above_by_keyboard_and_the_reader_stays_put(
    page: Page, product: Product
) -> None:
    thread_id = long_thread(product, sign_up(page))
    page.goto(f"/threads/{thread_id}/")
    wait_connected(page)
    articles = page.locator("#messages article.message")
    expect(articles).to_have_count(50)
    expect(articles.first.locator(".message__body")).to_have_text("msg-71")
    expect(articles.last.locator(".message__body")).to_have_text("msg-120")

    button = page.get_by_role("button", name="Show earlier messages")
    button.focus()
    reading = f"#{articles.first.get_attribute('id')}"
    before = top_of(page, reading)
    page.keyboard.press("Enter")
    expect(articles).to_have_count(100, timeout=20_000)
    expect(articles.first.locator(".message__body")).to_have_text("msg-21")
    expect(page.locator("#messages-earlier-status")).to_have_text("Loaded 50 earlier messages.")
    # What the reader was looking at did not move; the button keeps the focus.
    assert abs(top_of(page, reading) - before) < 2
    expect(button).to_be_focused()

    page.keyboard.press("Enter")
    expect(articles).to_have_count(MESSAGES, timeout=20_000)
    expect(articles.first.locator(".message__body")).to_have_text("msg-1")
    expect(page.locator("#messages-earlier-status")).to_have_text("Loaded 20 earlier messages.")
    expect(button).to_have_count(0)
    # An older answer, once loaded, is as live as the rest: it copies, and it can be rated.
    answer = articles.nth(1)
    expect(answer.locator(".message__body")).to_have_text("msg-2")
    expect(answer.get_by_role("button", name="Copy answer")).to_have_count(1)
    answer.get_by_role("button", name="Good answer").click()
    expect(answer.get_by_role("button", name="Good answer")).to_have_attribute(
        "aria-pressed", "true"
    )

    # A reload shows the latest page again, as it was.
    page.reload()
    wait_connected(page)
    expect(articles).to_have_count(50)
    expect(articles.first.locator(".message__body")).to_have_text("msg-71")


def shared_link(product: Product, thread_id: str) -> str:
    out = product.manage(
        "shell",
        "-c",
        "from chat.models import Thread; from chat.threads import history; "
        f"thread = Thread.objects.get(pk={thread_id!r}); "
        "print(history.share(thread.owner, thread.pk).share_token)",
    )
    return f"/share/{out.strip().splitlines()[-1]}/"


def test_a_shared_link_s_earlier_messages_load_for_another_reader(
    page: Page, browser: Browser, chat_server: ChatServer, product: Product
) -> None:
    link = shared_link(product, long_thread(product, sign_up(page)))
    colleague = browser.new_context(base_url=chat_server.base_url)
    try:
        reader = colleague.new_page()
        sign_up(reader)
        reader.goto(link)
        articles = reader.locator("#messages article.message")
        expect(articles).to_have_count(50)
        expect(articles.first.locator(".message__body")).to_have_text("msg-71")

        button = reader.get_by_role("button", name="Show earlier messages")
        button.focus()
        reader.keyboard.press("Enter")
        expect(articles).to_have_count(100, timeout=20_000)
        expect(articles.first.locator(".message__body")).to_have_text("msg-21")
        expect(reader.locator("#messages-earlier-status")).to_have_text(
            "Loaded 50 earlier messages."
        )
        expect(button).to_be_focused()
        reader.keyboard.press("Enter")
        expect(articles).to_have_count(MESSAGES, timeout=20_000)
        expect(articles.first.locator(".message__body")).to_have_text("msg-1")
        expect(button).to_have_count(0)
        # Read-only, the earlier pages as the rest: nothing to rate.
        expect(reader.get_by_role("button", name="Good answer")).to_have_count(0)
    finally:
        colleague.close()


def test_a_page_just_drawn_is_not_sent_its_conversation_again_but_a_reconnect_is(
    page: Page, product: Product
) -> None:
    thread_id = long_thread(product, sign_up(page))
    sockets: list[str] = []
    snapshots: list[str] = []

    def watch(socket: WebSocket) -> None:
        sockets.append(socket.url)
        socket.on(
            "framereceived",
            lambda frame: (
                snapshots.append(socket.url)
                if isinstance(frame, str) and '<div id="messages"' in frame
                else None
            ),
        )

    page.on("websocket", watch)
    page.add_init_script(
        'document.addEventListener("htmx:wsOpen", '
        "e => { window.chatSocket = e.detail.socketWrapper; });"
    )
    page.goto(f"/threads/{thread_id}/")
    wait_connected(page)
    articles = page.locator("#messages article.message")
    expect(articles).to_have_count(50)
    # What the socket sends after its connect (the new exchange) comes after its snapshot
    # would have: by then, none came.
    send(page, "hello again")
    wait_idle(page)
    expect(articles).to_have_count(52)
    assert len(sockets) == 1
    assert "seen=" in sockets[0]
    assert snapshots == []

    # A reconnect (after a drop, a restart) may have missed something: it gets it all.
    page.evaluate("window.chatSocket.reconnect()")
    deadline = time.monotonic() + 20
    while not snapshots:
        assert time.monotonic() < deadline, "the reconnect got no snapshot"
        page.wait_for_timeout(50)
    assert "seen=" not in snapshots[0]
    wait_connected(page)
    expect(articles).to_have_count(50)
    expect(page.locator("#messages")).to_contain_text("hello again")
