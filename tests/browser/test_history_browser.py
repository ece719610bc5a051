"""History and review in a real browser: rate an answer, find the thread by search, rename
it, resume it; then a reviewer finds it in the admin by its negative feedback and reads the
comment in the transcript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import PASSWORD, Product, new_email
from .helpers import (
    THREAD_URL,
    assistant_messages,
    send,
    sign_up,
    user_messages,
    wait_connected,
    wait_idle,
)

pytestmark = pytest.mark.browser

COMMENT = "It only repeated me, and the policy link is missing."


def make_reviewer(product: Product) -> str:
    """A staff member in the Reviewers group, made with manage.py against the server's DB."""
    email = new_email("reviewer")
    product.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        "from django.contrib.auth.models import Group; "
        f"u = get_user_model().objects.create_user(email={email!r}, password={PASSWORD!r}, "
        "is_staff=True); "
        "u.groups.add(Group.objects.get(name='Reviewers'))",
    )
    return email


def thread_item(page: Page, title: str):
    return page.locator("#thread-list .thread-item").filter(
        has=page.locator(".thread-item__link", has_text=title)
    )


def start_new_chat(page: Page) -> None:
    """ "New chat", as a person does: on a page just opened, the assistant's on_chat_resume
    may still run, and then the page asks first (the conversation is busy): they confirm."""
    here = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.get_by_role("button", name="New chat").click()
    asked = page.get_by_role("dialog", name="Start a new chat?")
    elsewhere = page.locator(f'main.chat:not([ws-connect*="{here}"])')
    expect(asked.or_(elsewhere).first).to_be_visible()
    if asked.is_visible():
        asked.get_by_role("button", name="Start a new chat").click()


def test_rate_search_rename_resume_then_review(page: Page, product: Product, browser, chat_server):
    sign_up(page)
    thread_url = page.url
    expect(assistant_messages(page)).to_have_count(1)  # the greeting
    wait_idle(page)
    send(page, "hello about travel expenses")
    answer = assistant_messages(page).nth(1)
    expect(answer.locator(".message__body")).to_have_text("You said: hello about travel expenses")
    wait_idle(page)

    # Thumbs down, then a comment; the user's own message has no rating buttons.
    expect(user_messages(page).first.get_by_role("button", name="Bad answer")).to_have_count(0)
    down = answer.get_by_role("button", name="Bad answer")
    down.click()
    expect(down).to_have_attribute("aria-pressed", "true")
    comment_box = answer.get_by_label("Comment on this answer")
    expect(comment_box).to_be_focused()
    comment_box.fill(COMMENT)
    answer.get_by_role("button", name="Save comment").click()
    expect(answer.locator(".feedback__comment-text")).to_have_text(COMMENT)

    # Shown again after a reload.
    page.reload()
    wait_connected(page)
    answer = assistant_messages(page).nth(1)
    expect(answer.get_by_role("button", name="Bad answer")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(answer.get_by_role("button", name="Good answer")).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(answer.locator(".feedback__comment-text")).to_have_text(COMMENT)

    # Elsewhere, the search finds the thread by its messages' words, as the user types.
    start_new_chat(page)
    expect(page).not_to_have_url(thread_url)
    wait_connected(page)
    expect(assistant_messages(page)).to_have_count(1)
    wait_idle(page)
    send(page, "an unrelated question")
    wait_idle(page)
    expect(page.locator("#thread-list .thread-item")).to_have_count(2)
    search = page.get_by_label("Search conversations")
    with page.expect_response(lambda r: "/history/" in r.url and "q=expen" in r.url):
        search.press_sequentially("expen", delay=40)
    found = thread_item(page, "hello about travel expenses")
    expect(page.locator("#thread-list .thread-item")).to_have_count(1)
    expect(found).to_be_visible()

    # Renamed in place.
    found.hover()
    found.locator("summary").click()
    found.get_by_role("button", name="Rename").click()
    title = page.get_by_label("New title")
    expect(title).to_be_focused()
    title.fill("Travel expenses question")
    title.press("Enter")
    renamed = thread_item(page, "Travel expenses question")
    expect(renamed).to_be_visible()

    # Opened again: the conversation is there and goes on.
    renamed.locator(".thread-item__link").click()
    expect(page).to_have_url(thread_url)
    assert THREAD_URL.search(page.url)
    wait_connected(page)
    wait_idle(page)
    expect(page.locator("#thread-title")).to_have_text("Travel expenses question")
    send(page, "and hotels?")
    expect(assistant_messages(page).last.locator(".message__body")).to_have_text(
        "You said: and hotels?"
    )
    wait_idle(page)
    expect(user_messages(page)).to_have_count(2)
    # The first message does not rename a thread named by hand.
    expect(page.locator("#thread-title")).to_have_text("Travel expenses question")
    screenshot_dir = product.tmp
    page.screenshot(path=str(screenshot_dir / "history-resumed.png"))

    # A reviewer finds it by its negative feedback and reads the comment.
    reviewer_email = make_reviewer(product)
    reviewer = browser.new_context(
        base_url=chat_server.base_url, viewport={"width": 1280, "height": 900}
    )
    try:
        admin = reviewer.new_page()
        admin.goto("/admin/")
        admin.locator("input[name=username]").fill(reviewer_email)
        admin.locator("input[name=password]").fill(PASSWORD)
        admin.locator("input[type=submit]").click()
        admin.goto("/admin/chat/thread/")
        admin.get_by_role("link", name="Has negative feedback").click()
        expect(admin).to_have_url(re.compile(r"feedback=negative"))
        row = admin.locator("#result_list tbody tr").filter(has_text="Travel expenses question")
        expect(row).to_have_count(1)
        expect(row.locator(".field-feedback_summary")).to_contain_text("1 down")
        expect(admin.get_by_role("link", name="Add thread")).to_have_count(0)
        row.get_by_role("link", name="Travel expenses question").click()
        transcript = admin.frame_locator("iframe.chat-transcript")
        expect(transcript.locator(".feedback__comment-text")).to_have_text(COMMENT)
        expect(transcript.get_by_text("You said: and hotels?")).to_be_visible()
        expect(transcript.locator("#composer")).to_have_count(0)
        expect(admin.locator("input[name=_save]")).to_have_count(0)
        admin.screenshot(path=str(screenshot_dir / "history-review.png"), full_page=True)
    finally:
        reviewer.close()


def sign_in_with_threads(page: Page, product: Product, count: int) -> None:
    """A user with `count` conversations, one a day back from today, signed in."""
    email = new_email("many")
    product.manage(
        "shell",
        "-c",
        "from datetime import timedelta; from django.utils import timezone; "
        "from django.contrib.auth import get_user_model; from chat.models import Message, Thread; "
        f"u = get_user_model().objects.create_user(email={email!r}, password={PASSWORD!r}); "
        "now = timezone.now(); "
        "ts = Thread.objects.bulk_create([Thread(owner=u, title=f'Old thread {n:03d}', "
        "updated_at=now - timedelta(days=n), last_order=1, metadata={'started': True}) "
        f"for n in range({count})]); "
        "Message.objects.bulk_create([Message(thread=t, order=1, author_kind='user', "
        "content=t.title) for t in ts])",
    )
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(THREAD_URL)


def test_the_sidebar_loads_more_threads_as_it_scrolls(page: Page, product: Product):
    sign_in_with_threads(page, product, 70)
    items = page.locator("#thread-list .thread-item")
    expect(items).to_have_count(50)
    for label in ("Today", "Yesterday", "Previous 7 days", "Older"):
        expect(page.locator("#thread-list .thread-list__group", has_text=label)).to_have_count(1)
    page.locator("#thread-list").evaluate("el => el.scrollTop = el.scrollHeight")
    expect(items).to_have_count(70)
    expect(items.last).to_contain_text("Old thread 069")
    # The next page went on under the heading it continued: no second "Older".
    expect(page.locator("#thread-list .thread-list__group", has_text="Older")).to_have_count(1)


def test_a_new_conversation_joins_the_top_of_todays_list(page: Page, product: Product):
    sign_in_with_threads(page, product, 60)
    wait_connected(page)
    items = page.locator("#thread-list .thread-item")
    expect(items).to_have_count(50)
    wait_idle(page)
    send(page, "a brand new question")
    expect(items).to_have_count(51)
    today = page.locator("#thread-list ul").first
    expect(today.locator(".thread-item").first).to_contain_text("a brand new question")
    expect(today.locator(".thread-item").nth(1)).to_contain_text("Old thread 000")
    expect(today.locator("a[aria-current=page]")).to_have_text(
        re.compile(r"^a brand new question(Tags: Standard)?$")
    )
    expect(page.locator("#thread-list .thread-list__group", has_text="Today")).to_have_count(1)
    expect(page.locator("#thread-title")).to_have_text("a brand new question")
    # The next page follows on from the list as first loaded: nothing twice, nothing lost.
    page.locator("#thread-list").evaluate("el => el.scrollTop = el.scrollHeight")
    expect(items).to_have_count(61)
    expect(items.last).to_contain_text("Old thread 059")
