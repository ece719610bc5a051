"""Guessing passwords, creating accounts in bulk and flooding password resets hit allauth's
rate limits (ACCOUNT_RATE_LIMITS, from the RATE_LIMIT_* variables)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed login attempts"


def attempt(client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def signed_in(client) -> bool:
    return client.get("/")["Location"].startswith("/threads/")


def test_guessing_one_accounts_password_is_stopped_even_for_the_right_password(client, user):
    for guess in range(5):
        response = attempt(client, user.email, f"wrong-guess-{guess}")
        assert TOO_MANY not in response.content.decode()
    response = attempt(client, user.email, PASSWORD)
    assert TOO_MANY in response.content.decode()
    assert not signed_in(client)


def test_the_lock_is_per_account_others_still_sign_in(client, user, other_user):
    for guess in range(6):
        attempt(client, user.email, f"wrong-guess-{guess}")
    response = attempt(Client(), other_user.email, PASSWORD)
    assert response.status_code == 302


def test_guessing_across_many_accounts_from_one_address_is_stopped(client):
    emails = [make_user().email for _ in range(12)]
    refused = [
        TOO_MANY in attempt(client, email, "wrong-guess").content.decode() for email in emails
    ]
    assert refused[:10] == [False] * 10
    assert all(refused[10:])


def test_a_successful_sign_in_does_not_reset_the_guess_count(client, user):
    for guess in range(4):
        attempt(client, user.email, f"wrong-guess-{guess}")
    attempt(client, user.email, PASSWORD)
    client.post(reverse("account_logout"))
    attempt(client, user.email, "wrong-again")
    assert TOO_MANY in attempt(client, user.email, PASSWORD).content.decode()


def test_mass_sign_up_from_one_address_is_stopped(client):
    statuses = []
    for number in range(22):
        fresh = Client()
        response = fresh.post(
            reverse("account_signup"),
            {"email": f"bulk{number}@corp.example", "password1": PASSWORD, "password2": PASSWORD},
        )
        statuses.append(response.status_code)
    assert statuses[:20] == [302] * 20
    assert statuses[20:] == [429, 429]


def test_flooding_one_address_with_reset_mails_is_stopped(client):
    make_user("gina@corp.example")
    for _ in range(8):
        client.post(reverse("account_reset_password"), {"email": "gina@corp.example"})
    assert len(mail.outbox) == 5


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "2/5m/key"})
def test_the_limits_are_configurable(client, user):
    attempt(client, user.email, "wrong-1")
    attempt(client, user.email, "wrong-2")
    assert TOO_MANY in attempt(client, user.email, PASSWORD).content.decode()


@override_settings(CHAT_TRUSTED_PROXIES=["10.0.0.5"])
def test_behind_a_trusted_proxy_each_client_address_is_counted_apart():
    emails = [make_user().email for _ in range(12)]
    proxy = Client(REMOTE_ADDR="10.0.0.5")
    refused = [
        TOO_MANY
        in proxy.post(
            reverse("account_login"),
            {"login": email, "password": "wrong-guess"},
            headers={"X-Forwarded-For": f"198.51.100.{number}"},
        ).content.decode()
        for number, email in enumerate(emails)
    ]
    assert not any(refused)


def test_a_forged_forwarded_for_header_does_not_dodge_the_limit():
    emails = [make_user().email for _ in range(12)]
    client = Client()
    refused = [
        TOO_MANY
        in client.post(
            reverse("account_login"),
            {"login": email, "password": "wrong-guess"},
            headers={"X-Forwarded-For": f"198.51.100.{number}"},
        ).content.decode()
        for number, email in enumerate(emails)
    ]
    assert all(refused[10:])
