"""Company OAuth: providers turned on by environment variables alone, and the OpenID
Connect flow end to end against a real provider on 127.0.0.1."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.test.utils import override_settings
from django.urls import reverse

from tests.accounts.conftest import sign_in_with_oidc
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PROVIDER_ENV = {
    "GitHub": {"OAUTH_GITHUB_CLIENT_ID": "gh", "OAUTH_GITHUB_CLIENT_SECRET": "s"},
    "Google": {"OAUTH_GOOGLE_CLIENT_ID": "go", "OAUTH_GOOGLE_CLIENT_SECRET": "s"},
    "Microsoft": {
        "OAUTH_AZURE_AD_CLIENT_ID": "ms",
        "OAUTH_AZURE_AD_CLIENT_SECRET": "s",
        "OAUTH_AZURE_AD_TENANT_ID": "corp-tenant",
    },
    "GitLab": {
        "OAUTH_GITLAB_CLIENT_ID": "gl",
        "OAUTH_GITLAB_CLIENT_SECRET": "s",
        "OAUTH_GITLAB_DOMAIN": "gitlab.corp.example",
    },
    "Okta": {
        "OAUTH_OKTA_CLIENT_ID": "ok",
        "OAUTH_OKTA_CLIENT_SECRET": "s",
        "OAUTH_OKTA_DOMAIN": "corp.okta.com",
    },
    "Amazon Cognito": {
        "OAUTH_COGNITO_CLIENT_ID": "co",
        "OAUTH_COGNITO_CLIENT_SECRET": "s",
        "OAUTH_COGNITO_DOMAIN": "auth.corp.example",
    },
    "Auth0": {
        "OAUTH_AUTH0_CLIENT_ID": "a0",
        "OAUTH_AUTH0_CLIENT_SECRET": "s",
        "OAUTH_AUTH0_DOMAIN": "corp.eu.auth0.com",
    },
    "Descope": {"OAUTH_DESCOPE_CLIENT_ID": "P2abc", "OAUTH_DESCOPE_CLIENT_SECRET": "s"},
    "Corp Keycloak": {
        "OAUTH_KEYCLOAK_CLIENT_ID": "kc",
        "OAUTH_KEYCLOAK_CLIENT_SECRET": "s",
        "OAUTH_KEYCLOAK_BASE_URL": "https://id.corp.example",
        "OAUTH_KEYCLOAK_REALM": "staff",
        "OAUTH_KEYCLOAK_NAME": "Corp Keycloak",
    },
    "Intranet": {
        "OAUTH_OIDC_CLIENT_ID": "oi",
        "OAUTH_OIDC_CLIENT_SECRET": "s",
        "OAUTH_OIDC_SERVER_URL": "https://sso.corp.example",
        "OAUTH_OIDC_NAME": "Intranet",
    },
}


def buttons(client) -> list[str]:
    page = client.get(reverse("account_login")).content.decode()
    return [name for name in PROVIDER_ENV if f"Sign in with {name}<" in page]


def test_without_provider_variables_the_sign_in_page_shows_no_provider(client, providers_from_env):
    assert providers_from_env() == {}
    assert buttons(client) == []


@pytest.mark.parametrize("name", list(PROVIDER_ENV))
def test_each_provider_is_turned_on_by_its_variables_alone(client, providers_from_env, name):
    providers_from_env(**PROVIDER_ENV[name])
    assert buttons(client) == [name]


def test_all_providers_at_once_show_one_button_each(client, providers_from_env):
    providers_from_env(**{k: v for env in PROVIDER_ENV.values() for k, v in env.items()})
    assert buttons(client) == list(PROVIDER_ENV)


def test_a_provider_missing_its_server_url_stays_off(client, providers_from_env):
    env = dict(PROVIDER_ENV["Okta"])
    del env["OAUTH_OKTA_DOMAIN"]
    providers_from_env(**env)
    assert buttons(client) == []


def test_provider_settings_carry_tenant_server_and_realm(providers_from_env):
    providers = providers_from_env(
        **{k: v for env in PROVIDER_ENV.values() for k, v in env.items()}
    )
    assert providers["microsoft"]["APPS"][0]["settings"] == {"tenant": "corp-tenant"}
    assert providers["gitlab"]["APPS"][0]["settings"] == {
        "gitlab_url": "https://gitlab.corp.example"
    }
    assert providers["okta"]["OKTA_BASE_URL"] == "corp.okta.com"
    assert providers["amazon_cognito"]["DOMAIN"] == "https://auth.corp.example"
    keycloak, auth0, descope, generic = providers["openid_connect"]["APPS"]
    assert keycloak["settings"] == {"server_url": "https://id.corp.example/realms/staff"}
    assert auth0["settings"] == {"server_url": "https://corp.eu.auth0.com"}
    assert descope["settings"] == {"server_url": "https://api.descope.com/P2abc"}
    assert generic["provider_id"] == "oidc"
    assert "GITHUB_URL" not in providers["github"]


def test_github_enterprise_and_a_sovereign_cloud_are_reached_by_their_urls(providers_from_env):
    providers = providers_from_env(
        **PROVIDER_ENV["GitHub"],
        OAUTH_GITHUB_ENTERPRISE_URL="https://github.corp.example/",
        **PROVIDER_ENV["Microsoft"],
        OAUTH_AZURE_AD_LOGIN_URL="https://login.microsoftonline.us",
        OAUTH_AZURE_AD_GRAPH_URL="https://graph.microsoft.us/",
    )
    assert providers["github"]["GITHUB_URL"] == "https://github.corp.example"
    assert providers["microsoft"]["APPS"][0]["settings"] == {
        "tenant": "corp-tenant",
        "login_url": "https://login.microsoftonline.us",
        "graph_url": "https://graph.microsoft.us",
    }


def test_a_domain_given_as_a_url_is_read_as_its_domain(providers_from_env):
    providers = providers_from_env(
        **{**PROVIDER_ENV["Okta"], "OAUTH_OKTA_DOMAIN": "https://corp.okta.com/"},
        **{**PROVIDER_ENV["Auth0"], "OAUTH_AUTH0_DOMAIN": "https://corp.eu.auth0.com/"},
    )
    assert providers["okta"]["OKTA_BASE_URL"] == "corp.okta.com"
    (auth0,) = providers["openid_connect"]["APPS"]
    assert auth0["settings"] == {"server_url": "https://corp.eu.auth0.com"}


def test_the_provider_button_starts_the_flow_with_a_post(client, oidc):
    page = client.get(reverse("account_login")).content.decode()
    assert 'action="/accounts/oidc/oidc/login/?process=login"' in page
    assert "Sign in with Corp SSO" in page


def test_signing_in_with_openid_connect_creates_the_account_and_opens_the_chat(client, oidc):
    response = sign_in_with_oidc(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("chat:home")
    user = get_user_model().objects.get(email="olivia@corp.example")
    assert user.display_name == "Olivia Okafor"
    assert not user.has_usable_password()
    assert SocialAccount.objects.get(user=user).uid == "u-1001"
    assert client.get("/")["Location"].startswith("/threads/")
    # Discovery, authorize, token and userinfo were all asked, each with real HTTP.
    for request in ("GET /.well-known/openid-configuration", "GET /authorize", "POST /token"):
        assert request in oidc.requests
    assert "GET /userinfo" in oidc.requests


def test_signing_in_again_uses_the_same_account(client, oidc):
    sign_in_with_oidc(client)
    client.post(reverse("account_logout"))
    sign_in_with_oidc(client)
    assert get_user_model().objects.filter(email="olivia@corp.example").count() == 1
    assert client.get("/")["Location"].startswith("/threads/")


def test_a_password_account_with_the_same_verified_email_is_signed_in(client, oidc):
    existing = make_user("olivia@corp.example")
    sign_in_with_oidc(client)
    assert SocialAccount.objects.get(uid="u-1001").user == existing
    assert get_user_model().objects.count() == 1


def test_the_flow_returns_to_the_page_asked_for(client, oidc, user):
    response = sign_in_with_oidc(client, next_url="/history/")
    assert response["Location"] == "/history/"


def test_a_forged_state_signs_nobody_in(client, oidc):
    client.post("/accounts/oidc/oidc/login/")
    response = client.get("/accounts/oidc/oidc/login/callback/?code=abc&state=forged")
    assert response.status_code == 401  # allauth's "login failure" page
    assert not get_user_model().objects.exists()
    assert client.get("/")["Location"].startswith(reverse("account_login"))


def test_a_code_the_provider_never_issued_signs_nobody_in(client, oidc):
    started = client.post("/accounts/oidc/oidc/login/")
    state = started["Location"].split("state=")[1].split("&")[0]
    response = client.get(f"/accounts/oidc/oidc/login/callback/?code=made-up&state={state}")
    assert response.status_code == 401
    assert not get_user_model().objects.exists()


def test_an_unverified_email_does_not_take_over_a_password_account(client, oidc):
    existing = make_user("olivia@corp.example")
    oidc.next_user = {**oidc.next_user, "email_verified": False}
    response = sign_in_with_oidc(client)
    # The provider's unverified word does not open someone else's account: the address is
    # to be confirmed by mail first (verification is mandatory), and the person stays
    # signed out.
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not SocialAccount.objects.filter(user=existing).exists()
    assert get_user_model().objects.filter(email__iexact="olivia@corp.example").count() == 1
    assert client.get("/")["Location"].startswith(reverse("account_login"))


@override_settings(CHAT_SSO_ONLY=True)
def test_sso_only_still_lets_provider_sign_in_create_accounts(client, oidc):
    sign_in_with_oidc(client)
    assert get_user_model().objects.filter(email="olivia@corp.example").exists()
    assert client.get("/")["Location"].startswith("/threads/")


def test_the_provider_button_keeps_the_page_asked_for(client, oidc):
    page = client.get(reverse("account_login") + "?next=/history/").content.decode()
    assert 'action="/accounts/oidc/oidc/login/?process=login&amp;next=%2Fhistory%2F"' in page
