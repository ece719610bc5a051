"""Make it yours: name, logo, favicon, accent colours, theme and custom CSS from settings."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.factories import make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def chat_page(client: Client, user, **query) -> str:
    thread = make_thread(user)
    response = client.get(f"/threads/{thread.id}/", query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_accent_colours_come_as_a_cacheable_stylesheet(client):
    with override_settings(CHAT_UI_ACCENT="#0a7d32", CHAT_UI_ACCENT_DARK="rgb(80, 200, 120)"):
        response = client.get("/branding.css")
    css = response.content.decode()
    assert response["Content-Type"].startswith("text/css")
    assert "max-age=" in response["Cache-Control"]
    assert ":root { --accent: light-dark(#0a7d32, rgb(80, 200, 120)); }" in css


@pytest.mark.parametrize(
    "bad", ["red; } body { display: none", "url(https://evil.example/x)", "#12345g", ""]
)
def test_a_setting_that_is_not_a_colour_never_reaches_the_stylesheet(client, bad):
    with override_settings(CHAT_UI_ACCENT=bad):
        css = client.get("/branding.css").content.decode()
    assert ":root { --accent: light-dark(#4f46e5, #818cf8); }" in css
    assert "evil" not in css
    assert "display: none" not in css


def test_the_page_links_the_stylesheet_by_its_colours_version(signed_in, user):
    with override_settings(CHAT_UI_ACCENT="#111111"):
        first = chat_page(signed_in, user)
    with override_settings(CHAT_UI_ACCENT="#222222"):
        second = chat_page(signed_in, user)
    link = 'href="/branding.css?v='
    assert link in first
    assert link in second
    assert first.split(link)[1][:12] != second.split(link)[1][:12]


@override_settings(
    CHAT_UI_NAME="Acme Helper",
    CHAT_UI_LOGO="brand/acme.svg",
    CHAT_UI_FAVICON="https://cdn.example.com/acme.ico",
    CHAT_UI_CUSTOM_CSS="/static/brand/acme.css",
)
def test_name_logo_favicon_and_custom_css_come_from_settings(signed_in, user):
    html = chat_page(signed_in, user)
    assert "Acme Helper" in html
    assert '<img class="brand__logo" src="/static/brand/acme.svg" alt="">' in html
    assert '<link rel="icon" href="https://cdn.example.com/acme.ico">' in html
    assert '<link rel="stylesheet" href="/static/brand/acme.css">' in html


def test_without_a_logo_or_custom_css_the_page_has_neither(signed_in, user):
    html = chat_page(signed_in, user)
    assert "brand__logo" not in html
    assert "brand/" not in html


def test_the_theme_follows_the_device_until_the_user_picks_one(signed_in, user):
    assert "data-theme=" not in chat_page(signed_in, user).split("<head>")[0]
    signed_in.cookies["chat_theme"] = "dark"
    assert '<html lang="en" dir="ltr" data-theme="dark">' in chat_page(signed_in, user)
    signed_in.cookies["chat_theme"] = "light"
    assert 'data-theme="light">' in chat_page(signed_in, user)


def test_a_made_up_theme_cookie_is_ignored(signed_in, user):
    signed_in.cookies["chat_theme"] = '"><script>alert(1)</script>'
    head = chat_page(signed_in, user).split("<head>")[0]
    assert "data-theme" not in head
    assert "<script>" not in head


@override_settings(CHAT_UI_THEME="dark")
def test_the_site_s_default_theme_applies_until_the_user_picks_one(signed_in, user):
    assert 'data-theme="dark">' in chat_page(signed_in, user)
    signed_in.cookies["chat_theme"] = "light"
    assert 'data-theme="light">' in chat_page(signed_in, user)


def test_a_prompt_in_the_address_fills_the_composer_without_sending(signed_in, user):
    html = chat_page(signed_in, user, prompt="Summarise <the> report")
    assert ">Summarise &lt;the&gt; report</textarea>" in html


def test_the_home_page_passes_the_prompt_on_to_the_new_chat(signed_in):
    response = signed_in.get("/", {"prompt": "What is our travel policy?"})
    assert response.status_code == 302
    assert response["Location"].endswith("?prompt=What+is+our+travel+policy%3F")
    html = signed_in.get(response["Location"]).content.decode()
    assert ">What is our travel policy?</textarea>" in html


@override_settings(CHAT_MAX_MESSAGE_CHARS=10)
def test_a_prompt_longer_than_a_message_may_be_is_cut(signed_in, user):
    html = chat_page(signed_in, user, prompt="x" * 50)
    assert ">xxxxxxxxxx</textarea>" in html


def test_the_new_chat_button_asks_before_leaving_a_running_answer(signed_in, user):
    html = chat_page(signed_in, user)
    assert 'data-confirm-when-running="new-chat-dialog"' in html
    assert '<dialog id="new-chat-dialog"' in html
    assert 'value="confirm"' in html
