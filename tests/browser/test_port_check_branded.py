"""A Chainlit project (tests/port_check/branded/: app.py and its public/ folder) run as it
is: its logo of each theme, favicon and bot avatar on the pages, a sign-in as "admin",
and its feedback hook answering a rating (on a Celery worker on the services backend)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.services import Worker

from .conftest import ROOT, ChatServer, Product
from .helpers import (
    THREAD_URL,
    assistant_messages,
    image_shown,
    send,
    wait_connected,
    wait_idle,
)

pytestmark = pytest.mark.browser

APP = ROOT / "tests" / "port_check" / "branded" / "app.py"


@pytest.fixture(scope="module")
def branded(product: Product) -> Iterator[ChatServer]:
    """The app's server and, with a broker, a worker for the feedback hook."""
    services = bool(os.environ.get("REDIS_URL"))
    env = {"CELERY_QUEUE": f"chat-test-{uuid.uuid4().hex[:12]}"} if services else {}
    server = product.server(
        "port-branded", CHAT_ASSISTANT=str(APP), CHAT_UI_NAME="Acme Support", **env
    )
    server.start()
    worker = None
    if services:
        worker = Worker({**server.env, "LOG_LEVEL": "INFO"}, product.tmp)
        worker.start()
    try:
        yield server
    finally:
        if worker is not None:
            worker.stop()
        server.stop()


def page_in(browser, server: ChatServer, scheme: str) -> Page:
    context = browser.new_context(
        base_url=server.base_url, viewport={"width": 1280, "height": 800}, color_scheme=scheme
    )
    context.set_default_timeout(20_000)
    return context.new_page()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_projects_public_folder_brands_the_pages(browser, branded, scheme, shots_dir: Path):
    page = page_in(browser, branded, scheme)
    try:
        page.goto("/accounts/login/")
        shown = page.locator(f".brand__logo--{scheme}")
        hidden = page.locator(f".brand__logo--{'dark' if scheme == 'light' else 'light'}")
        expect(shown).to_be_visible()
        expect(hidden).to_be_hidden()
        assert image_shown(shown)
        assert page.locator('link[rel="icon"]').get_attribute("href") == "/public/favicon.png"
        page.screenshot(path=str(shots_dir / f"branded-sign-in-{scheme}.png"))
    finally:
        page.context.close()


def test_admin_signs_in_and_the_bot_answers_with_its_avatar_and_thanks_for_a_rating(
    browser, branded, shots_dir: Path
):
    page = page_in(browser, branded, "light")
    try:
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill("admin")
        page.locator("input[name=password]").fill("admin")
        page.locator("form button[type=submit]").click()
        expect(page).to_have_url(THREAD_URL)
        wait_connected(page)
        welcome = assistant_messages(page).first
        expect(welcome).to_contain_text("Welcome to Acme Support, admin!")
        avatar = welcome.locator("img.avatar")
        expect(avatar).to_have_attribute("src", "/avatars/Support%20Bot")
        assert image_shown(avatar)
        wait_idle(page)

        send(page, "Where is my invoice?")
        answer = assistant_messages(page).filter(has_text="You asked: Where is my invoice?")
        expect(answer).to_have_count(1)
        wait_idle(page)
        answer.locator(".feedback__up").click()
        expect(answer.locator(".feedback__up")).to_have_attribute("aria-pressed", "true")
        expect(assistant_messages(page).last).to_contain_text(
            "Glad it helped: thanks for the rating."
        )
        page.screenshot(path=str(shots_dir / "branded-chat.png"))
    finally:
        page.context.close()
