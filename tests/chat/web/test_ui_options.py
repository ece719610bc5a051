"""Chainlit's small UI options: page description and Open Graph tags, the wide layout,
header links, a readme page (chainlit.md), and asking before every new chat."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def page_of(user, thread) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("chat:thread", args=[thread.pk])).content.decode()


def test_description_and_open_graph_tags(user, thread, settings):
    settings.CHAT_UI_NAME = "Acme Help"
    settings.CHAT_UI_DESCRIPTION = "Answers about <Acme>"
    settings.CHAT_UI_META_IMAGE = "https://cdn.example.com/card.png"
    html = page_of(user, thread)
    assert '<meta name="description" content="Answers about &lt;Acme&gt;">' in html
    assert '<meta property="og:title" content="Acme Help">' in html
    assert '<meta property="og:image" content="https://cdn.example.com/card.png">' in html
    settings.CHAT_UI_DESCRIPTION = ""
    assert 'name="description"' not in page_of(user, thread)


def test_the_wide_layout_and_an_unknown_one(user, thread, settings):
    settings.CHAT_UI_LAYOUT = "wide"
    assert "layout--wide" in page_of(user, thread)
    settings.CHAT_UI_LAYOUT = "huge"
    assert "layout--wide" not in page_of(user, thread)


def test_header_links_keep_only_web_links(user, thread, settings):
    settings.CHAT_UI_HEADER_LINKS = [
        "Help|https://help.example.com",
        "Library|/library/",
        "Bad|javascript:alert(1)",
        "no url",
    ]
    html = page_of(user, thread)
    assert (
        'href="https://help.example.com" target="_blank" rel="noopener noreferrer">Help'
        '<span class="visually-hidden"> (opens in a new tab)</span></a>'
    ) in html
    assert 'href="/library/">Library<' in html
    assert "javascript:" not in html
    assert ">Bad<" not in html


def test_confirm_new_chat_asks_always_when_set(user, thread, settings):
    assert "data-confirm-always" not in page_of(user, thread)
    settings.CHAT_CONFIRM_NEW_CHAT = True
    assert "data-confirm-always" in page_of(user, thread)


def test_the_apps_chainlit_md_is_its_readme_page(user, thread, settings, tmp_path):
    (tmp_path / "app.py").write_text("import chat.sdk as cl\n")
    settings.CHAT_ASSISTANT = str(tmp_path / "app.py")
    client = Client()
    client.force_login(user)
    assert client.get(reverse("readme")).status_code == 404
    assert 'href="/readme/"' not in page_of(user, thread)

    (tmp_path / "chainlit.md").write_text("# Welcome\n\nAsk about **leave**.<script>x()</script>")
    (tmp_path / "chainlit_de.md").write_text("# Willkommen")
    assert 'href="/readme/"' in page_of(user, thread)
    html = client.get(reverse("readme")).content.decode()
    assert "<strong>leave</strong>" in html
    assert "<script>x()" not in html
    german = client.get(reverse("readme"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Willkommen" in german
    assert Client().get(reverse("readme")).status_code == 302


def test_the_sign_in_page_shows_the_login_image(settings, client):
    page = client.get(reverse("account_login")).content.decode()
    assert "auth-image" not in page
    settings.CHAT_UI_LOGIN_IMAGE = "brand/office.jpg"
    page = client.get(reverse("account_login")).content.decode()
    assert '<img class="auth-image" src="/static/brand/office.jpg" alt="">' in page
    assert "page-auth--image" in page


def test_the_settings_panel_opens_at_the_side_when_set(user, thread, settings):
    assert "settings-dialog--side" not in page_of(user, thread)
    settings.CHAT_SETTINGS_LOCATION = "sidebar"
    html = page_of(user, thread)
    assert 'class="dialog settings-dialog settings-dialog--side"' in html
    assert "data-side" in html


def test_the_sidebar_may_start_closed(user, thread, settings):
    assert "app--sidebar-closed" not in page_of(user, thread)
    settings.CHAT_UI_SIDEBAR = "closed"
    assert '<div class="app app--sidebar-closed">' in page_of(user, thread)
