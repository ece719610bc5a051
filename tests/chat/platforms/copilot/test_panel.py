"""The copilot widget's script and panel page: who may frame it, who is signed in."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.test import Client, override_settings

import chat.sdk as cl
from chat.models import Thread
from chat.platforms.copilot import tokens
from chat.sdk.auth import create_jwt

HOST = "https://intranet.example.com"
OWN = "http://testserver"

pytestmark = pytest.mark.django_db


@pytest.fixture
def copilot():
    with override_settings(CHAT_COPILOT=True, CHAT_COPILOT_ALLOWED_ORIGINS=[HOST]):
        yield


def panel(client: Client, host: str = HOST, **params: str):
    return client.get("/copilot/", {"host": host, **params})


def test_the_widget_is_off_by_default(client):
    assert client.get("/copilot.js").status_code == 404
    assert client.get("/copilot/", {"host": HOST}).status_code == 404


def test_the_script_address_leads_to_the_static_script(client, copilot):
    response = client.get("/copilot.js")
    assert response.status_code == 302
    assert response["Location"].endswith("chat/copilot.js")


def test_an_allowed_page_frames_the_panel_signed_in_with_a_token(client, copilot, user):
    response = panel(client, token=tokens.issue(user.email))
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {HOST}" in policy
    assert "script-src 'self'" in policy  # the site's policy otherwise stands
    thread = Thread.objects.get(owner=user)
    assert thread.source == Thread.Source.COPILOT
    html = response.content.decode()
    assert f'ws-connect="/ws/copilot/{thread.id}/?ticket=' in html
    assert f'data-host-origin="{HOST}"' in html


def test_the_panel_carries_on_with_the_latest_copilot_conversation(client, copilot, user):
    panel(client, token=tokens.issue(user.email))
    panel(client, token=tokens.issue(user.email))
    assert Thread.objects.filter(owner=user, source="copilot").count() == 1


def test_a_sign_in_token_signs_a_panel_in_once(client, copilot, user):
    token = tokens.issue(user.email)
    assert panel(client, token=token).status_code == 200

    again = panel(Client(), token=token)  # a copy, from a log or the history

    assert "expired" in again.content.decode()
    assert "ws-connect" not in again.content.decode()


def test_the_panel_keeps_its_token_out_of_its_reloads_and_referrers(client, copilot, user):
    response = panel(client, token=tokens.issue(user.email))

    html = response.content.decode()
    assert 'data-login-url="/copilot/?host=https%3A%2F%2Fintranet.example.com"' in html
    assert "token=" not in html
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"


def test_a_page_not_on_the_allow_list_is_refused(client, copilot, user):
    response = panel(client, host="https://evil.example.com", token=tokens.issue(user.email))
    assert response.status_code == 403
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert not Thread.objects.exists()


def test_a_page_of_the_site_itself_may_frame_it_with_the_session(client, copilot, user):
    client.force_login(user)
    response = panel(client, host=OWN)
    assert response.status_code == 200
    assert f"frame-ancestors 'self' {OWN}" in response["Content-Security-Policy"]


@pytest.mark.parametrize("token", ["forged", tokens.issue("nobody@example.com")])
def test_a_bad_token_asks_to_sign_in(client, copilot, user, token):
    client.force_login(user)  # a token that fails does not fall back to the session
    response = panel(client, token=token)
    assert response.status_code == 200
    assert "Sign in" in response.content.decode()
    assert not Thread.objects.exists()


def test_an_expired_token_asks_to_sign_in_again(client, copilot, user):
    token = tokens.issue(user.email)
    with override_settings(CHAT_COPILOT_TOKEN_SECONDS=1):
        time.sleep(2)
        response = panel(client, token=token)
    assert "expired" in response.content.decode()


def test_a_socket_ticket_is_for_one_thread_only(user):
    ticket = tokens.socket_ticket(user, "thread-a")
    assert tokens.socket_user(ticket, "thread-a") == user
    assert tokens.socket_user(ticket, "thread-b") is None
    assert tokens.socket_user(ticket + "x", "thread-a") is None
    other_salt = signing.dumps({"user": user.pk, "thread": "thread-a"}, salt=tokens.SIGN_IN_SALT)
    assert tokens.socket_user(other_salt, "thread-a") is None


def test_the_host_page_sets_the_panels_theme_and_language(client, copilot, user):
    response = panel(client, token=tokens.issue(user.email), theme="dark", lang="de-CH")
    html = response.content.decode()
    assert '<html lang="de"' in html
    assert 'data-theme="dark" data-theme-fixed="true"' in html
    assert ">Senden</button>" in html
    # The socket renders in that language too, and a reload keeps the host's choices.
    assert "&amp;lang=de" in html
    assert 'data-login-url="/copilot/?host=' in html
    assert "theme=dark&amp;lang=de-CH" in html


def test_system_theme_follows_the_device_over_the_persons_choice(client, copilot, user):
    client.cookies["chat_theme"] = "light"
    html = panel(client, token=tokens.issue(user.email), theme="system").content.decode()
    assert "data-theme=" not in html.split(">", 2)[1]
    assert 'data-theme-fixed="true"' in html


def test_unknown_theme_and_language_leave_the_persons_own(client, copilot, user):
    client.cookies["chat_theme"] = "dark"
    html = panel(client, token=tokens.issue(user.email), theme="neon", lang="xx").content.decode()
    assert '<html lang="en"' in html
    assert 'data-theme="dark"' in html
    assert "data-theme-fixed" not in html
    socket_url = html.split('ws-connect="', 1)[1].split('"', 1)[0]
    assert "lang=" not in socket_url


def test_the_panel_offers_the_microphone_when_its_assistant_listens(
    client, copilot, user, use_assistant
):
    use_assistant("voice")
    html = panel(client, token=tokens.issue(user.email)).content.decode()
    assert 'id="voice-button"' in html
    assert 'aria-keyshortcuts="Alt+M"' in html
    assert 'data-voice-rate="24000"' in html
    assert "chat/voice.js" in html


def test_the_panel_has_no_microphone_when_its_assistant_does_not_listen(
    client, copilot, user, use_assistant
):
    use_assistant("echo")
    html = panel(client, token=tokens.issue(user.email)).content.decode()
    assert 'id="voice-button"' not in html
    assert "chat/voice.js" not in html


def test_chainlits_create_jwt_signs_the_person_in_to_the_panel_once(client, copilot, user):
    token = create_jwt(cl.User(identifier=user.email.upper()))

    assert panel(client, token=token).status_code == 200
    assert Thread.objects.filter(owner=user, source="copilot").exists()
    again = panel(Client(), token=token)  # the same token twice: refused
    assert "expired" in again.content.decode()
    assert "ws-connect" not in again.content.decode()


def test_create_jwt_names_a_username_as_the_sign_in_hooks_do(client, copilot, user):
    user.email = "admin@localhost"
    user.save()

    token = create_jwt(cl.User(identifier="admin"))

    assert "ws-connect" in panel(client, token=token).content.decode()
