"""Two-factor sign-in with allauth: authenticator apps (TOTP) and recovery codes."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.test.utils import override_settings
from django.urls import reverse

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def signed_in(client) -> bool:
    return client.get("/")["Location"].startswith("/threads/")


@pytest.fixture
def enrolled(user):
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def test_a_password_alone_does_not_sign_in_a_user_with_an_authenticator(client, user, enrolled):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in(client)


def test_the_authenticator_code_completes_the_sign_in(client, user, enrolled):
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(enrolled)})
    assert response.status_code == 302
    assert signed_in(client)


def test_a_wrong_code_does_not_sign_in(client, user, enrolled):
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    wrong = "000000" if current_code(enrolled) != "000000" else "111111"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert not signed_in(client)


def test_a_recovery_code_signs_in_once(client, user, enrolled):
    codes = RecoveryCodes.activate(user).get_unused_codes()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert signed_in(client)

    client.post(reverse("account_logout"))
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert not signed_in(client)


def test_users_reach_their_two_factor_settings_from_the_chat(client, user):
    client.force_login(user)
    page = client.get("/", follow=True).content.decode()
    assert f'href="{reverse("mfa_index")}"' in page
    setup = client.get(reverse("mfa_index"))
    assert setup.status_code == 200
    assert reverse("mfa_activate_totp") in setup.content.decode()


def test_setting_up_an_authenticator_app_shows_a_qr_code_and_takes_a_code(client, user):
    client.force_login(user)
    page = client.get(reverse("mfa_activate_totp"), follow=True)
    if page.redirect_chain and "reauthenticate" in page.redirect_chain[-1][0]:
        client.post(page.redirect_chain[-1][0], {"password": PASSWORD})
        page = client.get(reverse("mfa_activate_totp"))
    html = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


@override_settings(CHAT_MFA_REQUIRED_FOR_STAFF=True)
def test_staff_without_an_authenticator_are_sent_to_set_one_up(client):
    staff = make_user("boss@corp.example", is_staff=True)
    client.force_login(staff)
    for path in ("/", "/admin/", "/history/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == reverse("mfa_activate_totp"), path
    assert client.get(reverse("mfa_index")).status_code == 200


@override_settings(CHAT_MFA_REQUIRED_FOR_STAFF=True)
def test_staff_with_an_authenticator_go_on_as_usual(client):
    staff = make_user("boss@corp.example", is_staff=True)
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    assert client.get("/")["Location"].startswith("/threads/")


@override_settings(CHAT_MFA_REQUIRED_FOR_STAFF=True)
def test_people_who_are_not_staff_need_no_authenticator(client, user):
    client.force_login(user)
    assert client.get("/")["Location"].startswith("/threads/")


def test_without_the_setting_staff_need_no_authenticator(client):
    staff = make_user("boss@corp.example", is_staff=True)
    client.force_login(staff)
    assert client.get("/")["Location"].startswith("/threads/")
