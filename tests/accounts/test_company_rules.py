"""Company rules: the allow-list of email domains, SSO-only mode, and the Chainlit-style
password and OAuth hooks that accept, refuse or enrich the person signing in."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

import chat.sdk as cl
from accounts import sign_in
from tests.accounts.conftest import sign_in_with_oidc
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
User = get_user_model()


def sign_up(client, email: str):
    return client.post(
        reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def signed_in(client) -> bool:
    return client.get("/")["Location"].startswith("/threads/")


# -- allow-list of email domains ----------------------------------------------------------
@override_settings(CHAT_ALLOWED_EMAIL_DOMAINS=["corp.example", "corp.example.org"])
def test_sign_up_with_an_allowed_domain_works(client):
    assert sign_up(client, "Dana@Corp.Example").status_code == 302
    assert User.objects.filter(email="dana@corp.example").exists()


@override_settings(CHAT_ALLOWED_EMAIL_DOMAINS=["corp.example"])
@pytest.mark.parametrize(
    "email",
    [
        "eve@gmail.com",
        "eve@corp.example.evil.com",  # a suffix is not the domain
        "eve@evilcorp.example",
        "eve@sub.corp.example",  # subdomains are listed one by one
    ],
)
def test_sign_up_from_another_domain_is_refused_with_a_reason(client, email):
    response = sign_up(client, email)
    assert response.status_code == 200
    assert "addresses at corp.example only" in response.content.decode()
    assert not User.objects.filter(email=email).exists()


@override_settings(CHAT_ALLOWED_EMAIL_DOMAINS=["other.example"])
def test_provider_sign_in_from_another_domain_is_refused(client, oidc):
    response = sign_in_with_oidc(client)
    assert response["Location"] == reverse("account_login")
    page = client.get(response["Location"]).content.decode()
    assert "Your email address may not sign in here." in page
    assert not User.objects.exists()
    assert not signed_in(client)


@override_settings(CHAT_ALLOWED_EMAIL_DOMAINS=["corp.example"])
def test_provider_sign_in_from_an_allowed_domain_works(client, oidc):
    sign_in_with_oidc(client)
    assert signed_in(client)


def test_without_an_allow_list_any_domain_signs_up(client):
    assert sign_up(client, "someone@anywhere.example").status_code == 302


# -- with an allow-list, only a confirmed address proves membership ------------------------------
def confirmation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)


@override_settings(CHAT_ALLOWED_EMAIL_DOMAINS=["corp.example"])
def test_with_a_domain_list_a_password_sign_up_waits_for_the_address_to_be_confirmed(client):
    response = sign_up(client, "dana@corp.example")

    assert response["Location"] == reverse("account_email_verification_sent")
    assert not signed_in(client)
    (message,) = mail.outbox
    assert message.to == ["dana@corp.example"]
    client.post(confirmation_link(message))
    client.post(reverse("account_login"), {"login": "dana@corp.example", "password": PASSWORD})
    assert signed_in(client)


@override_settings(CHAT_ALLOWED_EMAIL_DOMAINS=["corp.example"])
def test_with_a_domain_list_an_account_never_confirmed_does_not_sign_in(client):
    make_user("early@corp.example", verified=False)  # signed up before, never confirmed

    client.post(reverse("account_login"), {"login": "early@corp.example", "password": PASSWORD})

    assert not signed_in(client)
    (message,) = mail.outbox
    assert message.to == ["early@corp.example"]


@override_settings(CHAT_ALLOWED_EMAIL_DOMAINS=["corp.example"])
def test_provider_sign_in_with_an_address_it_did_not_verify_is_confirmed_by_mail_first(
    client, oidc
):
    oidc.next_user["email_verified"] = False

    sign_in_with_oidc(client)

    assert not signed_in(client)
    (message,) = mail.outbox
    assert message.to == ["olivia@corp.example"]
    client.post(confirmation_link(message))
    sign_in_with_oidc(client)
    assert signed_in(client)


@override_settings(CHAT_ALLOWED_EMAIL_DOMAINS=["corp.example"])
def test_with_a_domain_list_the_password_hook_still_vouches_for_people(client, register_hook):
    register_hook("password_auth_callback", lambda u, p: cl.User(identifier=u))

    client.post(reverse("account_login"), {"login": "lee@corp.example", "password": "ldap-1234"})

    assert signed_in(client)
    assert not mail.outbox


@override_settings(CHAT_ALLOWED_EMAIL_DOMAINS=["corp.example"])
def test_sign_up_with_an_address_that_has_an_account_looks_like_any_other(client):
    make_user("taken@corp.example")

    taken = sign_up(Client(), "taken@corp.example")
    fresh = sign_up(Client(), "fresh@corp.example")

    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    assert User.objects.filter(email__iexact="taken@corp.example").count() == 1
    # Only the address's owner learns it: by mail.
    assert sorted(m.to[0] for m in mail.outbox) == ["fresh@corp.example", "taken@corp.example"]


# -- SSO-only mode ---------------------------------------------------------------------------
@override_settings(CHAT_SSO_ONLY=True)
def test_sso_only_sign_in_page_shows_only_the_provider_buttons(client, oidc):
    page = client.get(reverse("account_login")).content.decode()
    assert "Sign in with Corp SSO" in page
    assert 'name="password"' not in page
    assert 'name="login"' not in page
    assert reverse("account_signup") not in page
    assert reverse("account_reset_password") not in page


@override_settings(CHAT_SSO_ONLY=True)
def test_sso_only_closes_password_sign_up(client):
    response = client.get(reverse("account_signup"))
    assert "closed" in response.content.decode().lower()
    sign_up(client, "new@corp.example")
    assert not User.objects.filter(email="new@corp.example").exists()


@override_settings(CHAT_SSO_ONLY=True)
def test_sso_only_refuses_a_posted_password(client, user):
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert not signed_in(client)


@override_settings(CHAT_SSO_ONLY=True)
def test_sso_only_without_providers_says_who_to_ask(client, providers_from_env):
    providers_from_env()
    page = client.get(reverse("account_login")).content.decode()
    assert "No company sign-in is configured yet" in page


def test_the_usual_sign_in_page_offers_password_and_providers(client, oidc):
    page = client.get(reverse("account_login")).content.decode()
    assert 'name="password"' in page
    assert "Sign in with Corp SSO" in page


# -- @cl.password_auth_callback ----------------------------------------------------------------
def test_password_hook_accepts_and_creates_the_account_with_its_metadata(client, register_hook):
    seen = []

    @cl.password_auth_callback
    def auth(username: str, password: str):
        seen.append((username, password))
        if password == "from-ldap-1234":
            return cl.User(identifier=username, display_name="Lee", metadata={"role": "admin"})
        return None

    client.post(
        reverse("account_login"), {"login": "lee@corp.example", "password": "from-ldap-1234"}
    )
    assert seen == [("lee@corp.example", "from-ldap-1234")]
    assert signed_in(client)
    user = User.objects.get(email="lee@corp.example")
    assert user.display_name == "Lee"
    assert user.metadata == {"role": "admin"}


def test_password_hook_refusal_wins_over_a_correct_password(client, user, register_hook):
    register_hook("password_auth_callback", lambda username, password: None)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert not signed_in(client)


def test_password_hook_may_be_async(client, user, register_hook):
    async def auth(username, password):
        return cl.User(identifier=username, metadata={"checked": "async"})

    register_hook("password_auth_callback", auth)
    client.post(reverse("account_login"), {"login": user.email, "password": "anything-at-all"})
    assert signed_in(client)
    user.refresh_from_db()
    assert user.metadata == {"checked": "async"}


def test_password_hook_identifier_that_is_not_an_email(client, register_hook):
    register_hook("password_auth_callback", lambda u, p: cl.User(identifier="admin"))
    client.post(reverse("account_login"), {"login": "x@corp.example", "password": "whatever-99"})
    assert signed_in(client)
    assert User.objects.filter(email="admin@localhost").exists()


def test_password_hook_cannot_sign_in_a_disabled_account(client, register_hook):
    make_user("gone@corp.example", is_active=False)
    register_hook("password_auth_callback", lambda u, p: cl.User(identifier=u))
    client.post(reverse("account_login"), {"login": "gone@corp.example", "password": "x-long-99"})
    assert not signed_in(client)


def test_password_hook_returning_something_else_is_an_error_not_a_sign_in(client, register_hook):
    register_hook("password_auth_callback", lambda u, p: "yes")
    with pytest.raises(TypeError, match=r"must return a cl\.User or None"):
        client.post(reverse("account_login"), {"login": "a@corp.example", "password": "x-long-99"})


# -- @cl.oauth_callback ---------------------------------------------------------------------------
def test_oauth_hook_sees_the_provider_data_and_enriches_the_user(client, oidc, register_hook):
    calls = []

    @cl.oauth_callback
    def oauth(provider_id, token, raw_user_data, default_user):
        calls.append((provider_id, token, raw_user_data, default_user))
        default_user.metadata["groups"] = raw_user_data["groups"]
        return default_user

    sign_in_with_oidc(client)
    ((provider_id, token, raw, default_user),) = calls
    assert provider_id == "generic"  # Chainlit's name for a generic OpenID Connect provider
    assert token  # the provider's access token
    assert raw["email"] == "olivia@corp.example"
    assert default_user.identifier == "olivia@corp.example"
    user = User.objects.get(email="olivia@corp.example")
    assert user.metadata == {"provider": "generic", "groups": ["support"]}
    assert signed_in(client)


def test_oauth_hook_refusal_signs_nobody_in(client, oidc, register_hook):
    register_hook("oauth_callback", lambda provider_id, token, raw, default_user: None)
    response = sign_in_with_oidc(client)
    assert response["Location"] == reverse("account_login")
    assert "Sign-in was refused." in client.get(reverse("account_login")).content.decode()
    assert not User.objects.exists()
    assert not signed_in(client)


def test_oauth_hook_updates_an_existing_account_on_each_sign_in(client, oidc, register_hook):
    sign_in_with_oidc(client)
    client.post(reverse("account_logout"))

    def promote(provider_id, token, raw, default_user):
        return cl.User(identifier=raw["email"], display_name="Dr. Olivia", metadata={"level": 3})

    register_hook("oauth_callback", promote)
    sign_in_with_oidc(client)
    user = User.objects.get(email="olivia@corp.example")
    assert user.display_name == "Dr. Olivia"
    assert user.metadata["level"] == 3


@pytest.mark.django_db(transaction=True)
async def test_the_hooks_metadata_reaches_the_chat_session(background):
    from asgiref.sync import sync_to_async

    from chat.engine.session import ChatSession
    from tests.factories import make_thread

    user = await User.objects.acreate(email="meta@corp.example", metadata={"role": "lead"})
    thread = await sync_to_async(make_thread)(user)
    chat_user = ChatSession(thread, user).user_session["user"]
    assert chat_user.metadata == {"role": "lead", "id": str(user.pk)}


@pytest.mark.parametrize(
    ("allauth_id", "chainlit_id"),
    [
        ("microsoft", "azure-ad"),
        ("amazon_cognito", "aws-cognito"),
        ("oidc", "generic"),
        ("github", "github"),
        ("keycloak", "keycloak"),
    ],
)
def test_oauth_hook_is_told_the_provider_by_chainlits_name(register_hook, allauth_id, chainlit_id):
    seen = []

    def oauth(provider_id, token, raw_user_data, default_user):
        seen.append(provider_id)
        return default_user

    register_hook("oauth_callback", oauth)
    user = sign_in.oauth_user(allauth_id, "token", {"name": "Olivia"}, "olivia@corp.example", None)
    assert seen == [chainlit_id]
    assert user.metadata == {"provider": chainlit_id}
