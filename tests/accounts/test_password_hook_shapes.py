"""`@cl.password_auth_callback` as Chainlit apps write it: hooks that declare fewer
parameters than Chainlit passes, and identifiers that are names rather than addresses."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

import chat.sdk as cl
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()


def sign_in(client, login: str, password: str):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def signed_in(client) -> bool:
    return client.get("/")["Location"].startswith("/threads/")


def test_a_hook_without_parameters_is_called_with_none(client, register_hook):
    register_hook("password_auth_callback", lambda: cl.User(identifier="admin"))
    response = sign_in(client, "x@corp.example", "whatever-99")
    assert response.status_code == 302
    assert signed_in(client)


def test_a_hook_taking_only_the_username_gets_the_username(client, register_hook):
    seen = []

    def auth(username):
        seen.append(username)
        return cl.User(identifier=username)

    register_hook("password_auth_callback", auth)
    sign_in(client, "lee@corp.example", "whatever-99")
    assert seen == ["lee@corp.example"]
    assert signed_in(client)


def test_a_username_signs_in_when_the_hook_accepts_it(client, register_hook):
    def auth(username: str, password: str):
        if (username, password) == ("admin", "admin"):
            return cl.User(identifier="admin", metadata={"role": "admin"})
        return None

    register_hook("password_auth_callback", auth)
    page = client.get(reverse("account_login")).content.decode()
    assert 'type="email"' not in page
    assert 'autocomplete="username"' in page

    response = sign_in(client, "admin", "admin")
    assert response.status_code == 302, response.content.decode()[-800:]
    assert signed_in(client)
    assert User.objects.get(email="admin@localhost").metadata == {"role": "admin"}


def test_a_username_the_hook_refuses_gets_the_usual_error(client, register_hook):
    register_hook("password_auth_callback", lambda username, password: None)
    response = sign_in(client, "admin", "wrong")
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert not signed_in(client)


def test_without_a_hook_the_form_still_wants_an_email_address(client, user):
    page = client.get(reverse("account_login")).content.decode()
    assert 'type="email"' in page
    response = sign_in(client, "admin", PASSWORD)
    assert "Enter a valid email address." in response.content.decode()
    assert not signed_in(client)
