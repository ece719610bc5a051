"""Counted wording on the page reads right for each number, in each language."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import ASSISTANTS, Product
from .helpers import send, sign_up, wait_connected

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def ask_server(product: Product):
    server = product.server("ask-files", CHAT_ASSISTANT=str(ASSISTANTS / "ask_files.py"))
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("locale", "count", "wording"),
    [
        ("en-GB", "1", "Choose a file,"),
        ("en-GB", "3", "Choose up to 3 files,"),
        ("de-DE", "3", "Wählen Sie bis zu 3 Dateien,"),
        ("ar", "2", "اختر حتى 2 ملفين"),
        ("ar", "3", "اختر حتى 3 ملفات"),
        ("ar", "11", "اختر حتى 11 ملفًا"),
    ],
)
def test_a_file_question_says_how_many_files_in_the_users_language(
    browser, ask_server, locale, count, wording
) -> None:
    context = browser.new_context(
        base_url=ask_server.base_url, locale=locale, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_up(page, greeting=False)
        wait_connected(page)
        send(page, count, page.locator("#message-input"))
        prompt = page.locator(".ask__files .upload-drop__label").last
        expect(prompt).to_contain_text(wording)
        expect(prompt).not_to_contain_text("(")
    finally:
        context.close()
