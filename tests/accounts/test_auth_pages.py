"""Sign-up, sign-in, sign-out and password reset, as allauth serves them with our settings."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_auth_pages_answer(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert b'name="email"' in response.content or b'name="login"' in response.content


def test_the_login_form_asks_for_an_email_not_a_username(client):
    page = client.get(reverse("account_login")).content.decode()
    assert 'type="email"' in page
    assert 'name="username"' not in page


def sign_up(client, email: str):
    return client.post(
        reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def signed_in(client) -> bool:
    return client.get("/")["Location"].startswith("/threads/")


def test_signing_up_creates_a_user_by_email_who_signs_in_once_the_address_is_confirmed(client):
    response = sign_up(client, "New.Person@Example.com")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = get_user_model().objects.get(email__iexact="new.person@example.com")
    assert user.check_password(PASSWORD)
    assert not signed_in(client)
    (message,) = mail.outbox
    assert message.to == ["new.person@example.com"]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)
    client.post(link)
    client.post(reverse("account_login"), {"login": "new.person@example.com", "password": PASSWORD})
    assert signed_in(client)


def test_signing_up_does_not_tell_whether_an_address_has_an_account(client, user):
    """Someone trying addresses learns nothing from the answer: an address with an account
    gets the same redirect and the same page as a new one; its owner is told by mail."""
    pages = []
    for email in (user.email, "never.seen@example.com"):
        visitor = Client()
        response = sign_up(visitor, email)
        followed = visitor.get(response["Location"])
        # What the visitor reads: the page without its markup (which carries a fresh CSRF token).
        text = re.sub(r"<[^>]*>", " ", followed.content.decode())
        text = re.sub(r"\s+", " ", text.replace(email, "EMAIL"))
        pages.append((response.status_code, response["Location"], followed.status_code, text))
        assert not signed_in(visitor)

    assert pages[0] == pages[1]
    assert pages[0][:2] == (302, reverse("account_email_verification_sent"))
    assert get_user_model().objects.filter(email=user.email).count() == 1
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [user.email, "never.seen@example.com"]
    )


def test_signing_in_with_email_and_password_goes_to_the_chat(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("chat:home")
    assert client.get("/")["Location"].startswith("/threads/")


def test_signing_in_returns_to_the_page_asked_for(client, user, thread):
    target = reverse("chat:thread", args=[thread.id])
    response = client.post(
        f"{reverse('account_login')}?next={target}", {"login": user.email, "password": PASSWORD}
    )
    assert response["Location"] == target


def test_a_wrong_password_does_not_sign_in(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": "nope"})
    assert response.status_code == 200
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"].startswith(reverse("account_login"))


def test_signing_out_takes_a_post(client, user):
    client.force_login(user)
    assert client.get(reverse("account_logout")).status_code == 200  # a confirmation page
    assert client.get("/")["Location"].startswith("/threads/")  # still signed in

    client.post(reverse("account_logout"))
    assert client.get("/")["Location"].startswith(reverse("account_login"))


def test_password_reset_mails_a_link_that_sets_a_new_password(client):
    make_user("gina@example.com")
    response = client.post(reverse("account_reset_password"), {"email": "gina@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["gina@example.com"]
    link = re.search(
        r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body
    ).group(1)

    form = client.get(link, follow=True)
    assert form.status_code == 200
    new_password = "another-long-password-77"
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"password1": new_password, "password2": new_password},
    )
    assert done.status_code == 302
    assert get_user_model().objects.get(email="gina@example.com").check_password(new_password)


def test_password_reset_for_an_unknown_email_sends_no_reset_link(client):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert all("/password/reset/key/" not in m.body for m in mail.outbox)


def test_a_password_error_comes_after_its_field_not_before_its_label(client):
    page = client.post(
        reverse("account_signup"),
        {"email": "short@example.com", "password1": "short", "password2": "short"},
    ).content.decode()
    error = page.index('id="id_password1_error"')
    assert page.index('<label for="id_email"') < page.index('<label for="id_password1"')
    assert page.index('<label for="id_password1"') < page.index('id="id_password1"') < error
    assert error < page.index('<label for="id_password2"')
    assert re.search(
        r'<input[^>]*aria-describedby="[^"]*id_password1_error[^>]*id="id_password1"', page
    )


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_each_sign_in_page_links_to_the_others_once_and_never_to_itself(client, name):
    page = client.get(reverse(name)).content.decode()
    hrefs = re.findall(r'<a href="([^"]+)"', page)
    assert reverse(name) not in hrefs
    assert hrefs.count(reverse("account_reset_password")) <= 1
    if name == "account_login":
        assert hrefs.count(reverse("account_reset_password")) == 1
