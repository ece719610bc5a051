"""The admin as a reviewer sees it, at a laptop's 1366 x 768."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import PASSWORD, ChatServer, Product, new_email
from .helpers import sign_up

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}


def make_superuser(product: Product) -> str:
    email = new_email("admin")
    product.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_superuser(email={email!r}, password={PASSWORD!r})",
    )
    return email


def make_conversation(product: Product, title: str) -> None:
    """A thread someone wrote in, with a long title and a long email, as real ones have."""
    email = new_email("someone-with-a-rather-long-name.and-department")
    product.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; from chat.models import Message, Thread; "
        f"u = get_user_model().objects.create_user(email={email!r}, password={PASSWORD!r}); "
        f"t = Thread.objects.create(owner=u, title={title!r}, last_order=1); "
        "Message.objects.create(thread=t, order=1, author_kind='user', content=t.title)",
    )


def admin_page(browser: Browser, server: ChatServer, email: str) -> Page:
    context = browser.new_context(base_url=server.base_url, viewport=LAPTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/admin/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()
    return page


def right_edge(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not drawn"
    return box["x"] + box["width"]


def test_the_thread_list_fits_a_laptop_screen_with_only_conversations_in_it(
    page: Page, browser: Browser, product: Product, chat_server: ChatServer, shots_dir: Path
) -> None:
    sign_up(page)  # opening the chat alone makes no conversation to review
    title = "How do I claim travel expenses for a conference abroad, with hotel and train?"
    make_conversation(product, title)
    admin = admin_page(browser, chat_server, make_superuser(product))
    try:
        admin.goto("/admin/chat/thread/")
        admin.screenshot(path=str(shots_dir / "admin-threads-1366.png"))
        rows = admin.locator("#result_list tbody tr")
        expect(rows.filter(has_text=title[:40])).to_have_count(1)
        expect(rows.filter(has_text="(untitled)")).to_have_count(0)
        header = "#result_list thead th.column-last_active"
        expect(admin.locator(header)).to_be_visible()
        assert right_edge(admin, header) <= LAPTOP["width"]
        width = admin.evaluate("document.documentElement.scrollWidth")
        assert width <= LAPTOP["width"], f"the page scrolls sideways ({width} px)"
    finally:
        admin.context.close()


def test_the_admin_wears_the_products_name_and_colours_with_one_section_per_app(
    browser: Browser, product: Product, chat_server: ChatServer, shots_dir: Path
) -> None:
    admin = admin_page(browser, chat_server, make_superuser(product))
    try:
        admin.screenshot(path=str(shots_dir / "admin-index-1366.png"), full_page=True)
        expect(admin.locator("#site-name")).to_contain_text("Assistant")
        expect(admin).to_have_title("Site administration | Assistant administration")
        header = admin.locator("#header").evaluate("el => getComputedStyle(el).backgroundColor")
        assert header == "rgb(79, 70, 229)"  # the accent, #4f46e5
        name = admin.locator("#site-name a").evaluate("el => getComputedStyle(el).color")
        assert name == "rgb(255, 255, 255)"
        captions = admin.locator(".app-list caption, #content-main caption").all_inner_texts()
        names = [c.strip().upper() for c in captions]
        assert names
        assert len(names) == len(set(names)), names
        admin.emulate_media(color_scheme="dark")  # a dark header, the accent in its name
        # (Polled: the admin's links fade to their new colour.)
        expect(admin.locator("#header")).to_have_css("background-color", "rgb(23, 26, 33)")
        # The dark accent, #818cf8.
        expect(admin.locator("#site-name a")).to_have_css("color", "rgb(129, 140, 248)")
        admin.screenshot(path=str(shots_dir / "admin-index-dark-1366.png"))
    finally:
        admin.context.close()
