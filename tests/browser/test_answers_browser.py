"""Answers as a reader meets them: code, a table, math, alerts and images formatted (in
light and dark, on a desktop and a phone), copied, formatted while they stream, and
followed (or not) while the reader scrolls."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from .assistants.rich import ALLOWED_IMAGE, OTHER_IMAGE, RICH
from .conftest import ASSISTANTS, ChatServer, Product
from .helpers import assistant_messages, image_shown, send, sign_up, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def rich_server(product: Product) -> Iterator[ChatServer]:
    server = product.server("rich", CHAT_ASSISTANT=str(ASSISTANTS / "rich.py"))
    server.start()
    yield server
    server.stop()


def new_context(browser: Browser, server: ChatServer, width: int = 1280) -> BrowserContext:
    context = browser.new_context(
        base_url=server.base_url,
        viewport={"width": width, "height": 800 if width > 500 else 844},
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.set_default_timeout(15_000)
    return context


def rich_answer(page: Page):
    send(page, "rich")
    answer = assistant_messages(page).last
    expect(answer).to_have_attribute("data-status", "done")
    wait_idle(page)
    return answer


@pytest.mark.parametrize("width", [1280, 390])
def test_an_answer_with_code_math_alerts_and_images_reads_well_light_and_dark(
    browser: Browser, rich_server: ChatServer, shots_dir: Path, width: int
) -> None:
    context = new_context(browser, rich_server, width)
    try:
        page = context.new_page()
        sign_up(page, greeting=False)
        answer = rich_answer(page)
        body = answer.locator(".message__body")

        labels = body.locator(".code-block__lang")
        expect(labels).to_have_text(["python", "javascript", "sql"])
        for language in ("python", "javascript", "sql"):
            code = body.locator(f"code.language-{language}")
            # Coloured: its keywords have a colour of their own.
            keyword = code.locator(".k, .kd, .kt").first
            assert keyword.evaluate("k => getComputedStyle(k).color") != code.evaluate(
                "c => getComputedStyle(c).color"
            )
        expect(body.locator("math")).to_have_count(3)  # E=mc², n, and the sum
        assert "$5 and $10" in body.inner_text()
        expect(body.locator(".markdown-alert-warning .markdown-alert-title")).to_have_text(
            "Warning"
        )
        image = body.locator(f"img[src='{ALLOWED_IMAGE}']")
        expect(image).to_be_visible()
        assert image_shown(image)
        expect(body.locator(f"img[src='{OTHER_IMAGE}']")).to_have_count(0)
        expect(body.locator(f"a[href='{OTHER_IMAGE}']")).to_have_text("A chart elsewhere")
        # Nothing makes the page scroll sideways: the table scrolls inside the answer.
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        table = body.locator("table")
        if width < 500:
            assert table.evaluate("t => t.scrollWidth > t.clientWidth")
        box = body.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= width

        answer.scroll_into_view_if_needed()
        page.screenshot(path=str(shots_dir / f"answer-{width}-light.png"), full_page=False)
        page.emulate_media(color_scheme="dark")
        body.locator(".code-block").first.scroll_into_view_if_needed()
        page.screenshot(path=str(shots_dir / f"answer-{width}-dark.png"), full_page=False)
        body.locator(".markdown-alert").first.scroll_into_view_if_needed()
        page.screenshot(path=str(shots_dir / f"answer-{width}-dark-2.png"), full_page=False)

        # The picture opens large, with its alt text; Escape closes it, so does a click
        # outside it.
        image.click()
        lightbox = page.locator("#lightbox")
        expect(lightbox).to_be_visible()
        expect(lightbox.locator(".lightbox__caption")).to_have_text("The site's logo")
        page.screenshot(path=str(shots_dir / f"lightbox-{width}.png"))
        page.keyboard.press("Escape")
        expect(lightbox).to_be_hidden()
        image.focus()
        page.keyboard.press("Enter")
        expect(lightbox).to_be_visible()
        page.mouse.click(5, 5)
        expect(lightbox).to_be_hidden()
    finally:
        context.close()


def test_a_copied_code_block_is_its_code_and_a_copied_answer_is_html_and_markdown(
    browser: Browser, rich_server: ChatServer
) -> None:
    context = new_context(browser, rich_server)
    try:
        page = context.new_page()
        sign_up(page, greeting=False)
        answer = rich_answer(page)
        block = answer.locator(".code-block").first
        block.hover()
        block.locator("button.code-copy").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == (
            "def total(items):\n    # the prices' sum\n    return sum(i.price for i in items)\n"
        )

        answer.hover()
        answer.get_by_role("button", name="Copy answer").click()
        expect(answer.locator("[data-copy-message]")).to_have_attribute("data-copied", "true")
        kinds = page.evaluate(
            """async () => {
                const [item] = await navigator.clipboard.read();
                const out = {};
                for (const type of item.types) out[type] = await (await item.getType(type)).text();
                return out;
            }"""
        )
        assert kinds["text/plain"] == RICH
        assert "<strong>bold words</strong>" in kinds["text/html"]
        assert "<math" in kinds["text/html"]
        assert "code-copy" not in kinds["text/html"]  # the buttons stay behind
    finally:
        context.close()


def test_a_slowly_streamed_answer_shows_bold_words_and_list_items_formatted_before_it_ends(
    browser: Browser, rich_server: ChatServer, shots_dir: Path
) -> None:
    context = new_context(browser, rich_server)
    try:
        page = context.new_page()
        sign_up(page, greeting=False)
        send(page, "rich slowly")
        answer = assistant_messages(page).last
        done = answer.locator(".message__done")
        expect(done.locator("strong")).to_have_text("bold words")
        expect(done.locator("li").first).to_have_text("first item")
        expect(done.locator("h1")).to_have_text("A tour of answers")
        # ...while the answer is still streaming, its raw markdown nowhere in sight.
        expect(answer).to_have_attribute("data-status", "streaming")
        assert "**bold words**" not in answer.inner_text()
        page.screenshot(path=str(shots_dir / "answer-streaming.png"))
        expect(answer).to_have_attribute("data-status", "done", timeout=30_000)
        expect(answer.locator(".message__body strong").first).to_have_text("bold words")
    finally:
        context.close()


def distance_from_end(page: Page) -> float:
    return page.evaluate(
        "() => { const m = document.getElementById('messages');"
        " return m.scrollHeight - m.scrollTop - m.clientHeight; }"
    )


def follows_to_the_end(page: Page) -> None:
    """The view is at the end of the conversation (within 60 px), once the frame that just
    arrived is followed: tokens keep coming, so a single reading may fall between the two."""
    page.wait_for_function(
        "() => { const m = document.getElementById('messages');"
        " return m.scrollHeight - m.scrollTop - m.clientHeight < 60; }"
    )


def test_scrolling_up_mid_stream_stops_following_and_jump_to_latest_brings_the_reader_back(
    browser: Browser, rich_server: ChatServer, shots_dir: Path
) -> None:
    context = new_context(browser, rich_server)
    try:
        page = context.new_page()
        sign_up(page, greeting=False)
        send(page, "long slowly")
        answer = assistant_messages(page).last
        expect(answer.locator(".message__done p").nth(12)).to_be_attached()
        # Following while the reader is at the bottom.
        page.wait_for_function(
            "() => { const m = document.getElementById('messages');"
            " return m.scrollHeight > m.clientHeight + 400; }"
        )
        follows_to_the_end(page)
        jump = page.get_by_role("button", name="Jump to latest")
        expect(jump).to_be_hidden()

        page.locator("#messages").hover()
        page.mouse.wheel(0, -600)
        expect(jump).to_be_visible()
        page.screenshot(path=str(shots_dir / "jump-to-latest.png"))
        top = page.evaluate("document.getElementById('messages').scrollTop")
        expect(answer.locator(".message__done p").nth(20)).to_be_attached()
        # The reader stays where they are while more arrives.
        assert page.evaluate("document.getElementById('messages').scrollTop") == top
        assert distance_from_end(page) > 300
        expect(answer).to_have_attribute("data-status", "streaming")

        jump.focus()
        page.keyboard.press("Enter")
        expect(jump).to_be_hidden()
        follows_to_the_end(page)
        # ...and it follows again.
        expect(answer.locator(".message__done p").nth(30)).to_be_attached()
        follows_to_the_end(page)
    finally:
        context.close()
