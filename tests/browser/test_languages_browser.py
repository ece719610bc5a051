"""The chat in each language added beside English, German and French, and on a phone in
scripts far from Latin: Japanese, Hindi and Arabic (right to left).

Screenshots are kept (chat-390-ja.png, ...) for a look at the fonts and the layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils.translation import gettext, override
from playwright.sync_api import Browser, expect

from .conftest import ChatServer
from .helpers import assistant_messages, send, sign_up, user_messages, wait_idle
from .test_layout import PHONE, in_viewport, no_horizontal_scroll

pytestmark = pytest.mark.browser

# The browser's locale, then the page's lang and dir, then the words a person sees.
LANGUAGES = [
    pytest.param(
        "ja-JP",
        "ja",
        "ltr",
        {
            "message": "メッセージ",
            "placeholder": "Assistant にメッセージ…",
            "send": "送信",
            "new_chat": "新しいチャット",
            "menu": "会話を表示",
            "sign_out": "サインアウト",
            "hint": "Enter で送信、Shift+Enter で改行。",
        },
        id="ja",
    ),
    pytest.param(
        "hi-IN",
        "hi",
        "ltr",
        {
            "message": "संदेश",
            "placeholder": "Assistant को संदेश भेजें…",
            "send": "भेजें",
            "new_chat": "नई चैट",
            "menu": "बातचीत दिखाएँ",
            "sign_out": "साइन आउट करें",
            "hint": "Enter भेजता है, Shift+Enter नई पंक्ति जोड़ता है।",
        },
        id="hi",
    ),
    pytest.param(
        "ar-EG",
        "ar",
        "rtl",
        {
            "message": "رسالة",
            "placeholder": "رسالة إلى Assistant…",
            "send": "إرسال",
            "new_chat": "محادثة جديدة",
            "menu": "عرض المحادثات",
            "sign_out": "تسجيل الخروج",
            "hint": "Enter يرسل، و Shift+Enter يضيف سطرًا.",
        },
        id="ar",
    ),
]


# The browser's locale, then the language the page is drawn in.
ADDED = [
    ("es-ES", "es"),
    ("it-IT", "it"),
    ("pt-BR", "pt-br"),
    ("nl-NL", "nl"),
    ("pl-PL", "pl"),
    ("ja-JP", "ja"),
    ("zh-CN", "zh-hans"),
    ("ko-KR", "ko"),
    ("hi-IN", "hi"),
    ("ar-EG", "ar"),
]
SEEN = ["Send", "New chat", "Enter sends, Shift+Enter adds a line."]


@pytest.mark.parametrize(("locale", "code"), ADDED)
def test_each_added_language_draws_the_chat_page_in_its_words(
    browser: Browser, chat_server: ChatServer, locale: str, code: str
) -> None:
    with override(code):
        words = {text: gettext(text) for text in SEEN}
    assert all(words[text] != text for text in SEEN)  # the catalogue translates them
    context = browser.new_context(
        base_url=chat_server.base_url, locale=locale, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_up(page, greeting=False)
        expect(page.locator("html")).to_have_attribute("lang", code)
        expect(page.locator(".composer__send")).to_have_text(words["Send"])
        expect(page.locator(".new-chat")).to_have_text(words["New chat"])
        expect(page.locator(".composer__hint")).to_have_text(words[SEEN[2]])
    finally:
        context.close()


def on_one_line(locator) -> bool:
    """Whether an element's words fit in it on a single line, neither wrapped nor cut off."""
    return locator.evaluate(
        """el => { const words = document.createRange(); words.selectNodeContents(el);
                   const lines = new Set([...words.getClientRects()].map(r => Math.round(r.top)));
                   return lines.size === 1 && el.scrollWidth <= el.clientWidth + 1; }"""
    )


@pytest.mark.parametrize(("locale", "code", "direction", "words"), LANGUAGES)
def test_a_phone_chat_in_the_browser_s_language_reads_and_fits(
    browser: Browser,
    chat_server: ChatServer,
    shots_dir: Path,
    locale: str,
    code: str,
    direction: str,
    words: dict[str, str],
) -> None:
    context = browser.new_context(
        base_url=chat_server.base_url,
        locale=locale,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_up(page, greeting=False)
        html = page.locator("html")
        expect(html).to_have_attribute("lang", code)
        expect(html).to_have_attribute("dir", direction)
        box = page.get_by_label(words["message"], exact=True)
        expect(box).to_have_attribute("placeholder", words["placeholder"])
        # Under the composer on wider screens; a phone, which has no Enter key, hides it.
        expect(page.locator(".composer__hint")).to_have_text(words["hint"])

        send(page, "hello", box)
        expect(user_messages(page)).to_have_count(1)
        expect(assistant_messages(page).last.locator(".message__body")).to_have_text(
            "You said: hello"
        )
        wait_idle(page)
        assert in_viewport(page, ".composer")
        assert no_horizontal_scroll(page)
        send_button = page.get_by_role("button", name=words["send"], exact=True)
        expect(send_button).to_be_visible()
        assert on_one_line(send_button)
        page.screenshot(path=str(shots_dir / f"chat-390-{code}.png"))

        # The conversations open over the chat, from the side the script starts on.
        page.get_by_role("button", name=words["menu"]).tap()
        page.wait_for_function(
            """() => { const r = document.querySelector('.sidebar').getBoundingClientRect();
                       return r.left >= 0 && r.right <= innerWidth + 1; }"""
        )
        sidebar = page.locator(".sidebar")
        expect(sidebar.get_by_role("link", name="hello")).to_be_visible()
        expect(sidebar.get_by_role("button", name=words["sign_out"])).to_be_visible()
        assert on_one_line(sidebar.locator(".theme-toggle__label"))
        assert on_one_line(sidebar.get_by_role("button", name=words["new_chat"]))
        assert no_horizontal_scroll(page)
        page.screenshot(path=str(shots_dir / f"sidebar-390-{code}.png"))
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["de-DE", "pl-PL", "pt-BR", "ja-JP", "hi-IN", "ar-EG"])
def test_the_sidebar_s_foot_fits_each_language_on_a_desktop(
    browser: Browser, chat_server: ChatServer, shots_dir: Path, locale: str
) -> None:
    """Long words (Polish "Bezpieczeństwo"), a long language name ("Português Brasileiro")
    and words that must not break (Japanese "ダークテーマ") all fit the narrow sidebar."""
    context = browser.new_context(
        base_url=chat_server.base_url, locale=locale, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_up(page, greeting=False)
        sidebar = page.locator(".sidebar")
        spilling = sidebar.evaluate(
            """side => { const box = side.getBoundingClientRect();
                return [...side.querySelectorAll('.preferences *, .sidebar__bottom *')]
                  .filter(el => { const r = el.getBoundingClientRect();
                                  return r.width && (r.left < box.left - 1
                                                     || r.right > box.right + 1); })
                  .map(el => el.className || el.tagName); }"""
        )
        assert spilling == []
        # The address stays recognisable, however long the links beside it.
        assert sidebar.locator(".sidebar__user").evaluate("el => el.clientWidth") >= 80
        # A word is never broken: the theme switch wraps at spaces only.
        label = sidebar.locator(".theme-toggle__label")
        words = label.inner_text().split()
        assert label.evaluate(
            """(el, words) => { const range = document.createRange();
                const node = el.firstChild; let at = 0;
                return words.every(word => { const start = node.data.indexOf(word, at);
                  at = start + word.length; range.setStart(node, start); range.setEnd(node, at);
                  const tops = [...range.getClientRects()].map(r => Math.round(r.top));
                  return new Set(tops).size === 1; }); }""",
            words,
        )
        sidebar.screenshot(path=str(shots_dir / f"sidebar-desktop-{locale}.png"))
    finally:
        context.close()
