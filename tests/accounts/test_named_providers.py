"""Each named sign-in provider, turned on by its variables alone, through its real flow:
the site (daphne, started with the variables, as a deployment reads them) sends the browser
to the provider, the provider sends it back with a code, and the site exchanges the code
and reads the profile over HTTPS from providers faked on 127.0.0.1."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from tests.accounts.identity_providers import (
    TENANT,
    IdentityProviders,
    client_id_of,
    client_secret_of,
)
from tests.services import Daphne, free_port, service_env

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(frozen=True)
class Case:
    login_path: str
    provider: str  # what allauth stores as the account's provider
    uid: str
    dialect: str


CASES = {
    "GitHub": Case("/accounts/github/login/", "github", "4242", "github"),
    "GitLab": Case("/accounts/gitlab/login/", "gitlab", "77", "gitlab"),
    "Microsoft": Case("/accounts/microsoft/login/", "microsoft", "entra-oid-1", "entra"),
    "Okta": Case("/accounts/okta/login/", "okta", "okta-sub-1", "okta"),
    "Amazon Cognito": Case(
        "/accounts/amazon-cognito/login/", "amazon_cognito", "cognito-sub-1", "cognito"
    ),
    "Corp Keycloak": Case(
        "/accounts/oidc/keycloak/login/", "keycloak", "keycloak-sub-1", "keycloak"
    ),
    "Auth0": Case("/accounts/oidc/auth0/login/", "auth0", "auth0-sub-1", "auth0"),
    "Descope": Case("/accounts/oidc/descope/login/", "descope", "descope-sub-1", "descope"),
}


def credentials(prefix: str, dialect: str) -> dict[str, str]:
    return {
        f"OAUTH_{prefix}_CLIENT_ID": client_id_of(dialect),
        f"OAUTH_{prefix}_CLIENT_SECRET": client_secret_of(dialect),
    }


def provider_env(fake: IdentityProviders) -> dict[str, str]:
    """Every provider's variables, as a company would set them, aimed at the fakes."""
    return {
        **credentials("GITHUB", "github"),
        "OAUTH_GITHUB_ENTERPRISE_URL": f"{fake.url}/ghe",
        **credentials("GITLAB", "gitlab"),
        "OAUTH_GITLAB_DOMAIN": f"{fake.host}/gitlab",
        **credentials("AZURE_AD", "entra"),
        "OAUTH_AZURE_AD_TENANT_ID": TENANT,
        "OAUTH_AZURE_AD_LOGIN_URL": f"{fake.url}/entra",
        "OAUTH_AZURE_AD_GRAPH_URL": f"{fake.url}/graph",
        **credentials("OKTA", "okta"),
        "OAUTH_OKTA_DOMAIN": f"{fake.host}/okta",
        **credentials("COGNITO", "cognito"),
        "OAUTH_COGNITO_DOMAIN": f"{fake.host}/cognito",
        **credentials("KEYCLOAK", "keycloak"),
        "OAUTH_KEYCLOAK_BASE_URL": f"{fake.url}/keycloak",
        "OAUTH_KEYCLOAK_REALM": "staff",
        "OAUTH_KEYCLOAK_NAME": "Corp Keycloak",
        **credentials("AUTH0", "auth0"),
        "OAUTH_AUTH0_DOMAIN": f"{fake.host}/auth0",
        **credentials("DESCOPE", "descope"),
        "OAUTH_DESCOPE_BASE_URL": f"{fake.url}/descope",
    }


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    providers = IdentityProviders(tmp_path_factory.mktemp("idp")).start()
    yield providers
    providers.stop()


@pytest.fixture(scope="module")
def site(fake, django_db_setup, django_db_blocker, tmp_path_factory) -> str:
    """daphne with every provider's variables set; it trusts the fakes' certificate."""
    tmp = tmp_path_factory.mktemp("named-providers")
    with django_db_blocker.unblock():
        env = service_env(tmp, f"chat-test-{uuid.uuid4().hex[:12]}")
    env = {k: v for k, v in env.items() if not k.startswith("OAUTH_")}
    env.update(provider_env(fake))
    env["REQUESTS_CA_BUNDLE"] = str(fake.ca_bundle)
    env["NO_PROXY"] = "127.0.0.1"
    # GitLab and Entra ID do not say whether an address is confirmed: with mandatory
    # verification their first sign-in waits for a mail (see the README). Here every
    # provider's flow is followed to the chat.
    env["ACCOUNT_EMAIL_VERIFICATION"] = "optional"
    web = Daphne("web-idp", env, tmp, free_port())
    web.start()
    yield f"http://127.0.0.1:{web.port}"
    web.stop()


def sign_in(site: str, fake: IdentityProviders, label: str) -> requests.Session:
    """Clicks "Sign in with <label>" on the sign-in page, consents at the provider, and
    follows the provider back to the site; returns the browser's session."""
    browser = requests.Session()
    page = browser.get(f"{site}/accounts/login/", timeout=10)
    assert f"Sign in with {label}<" in page.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    case = CASES[label]
    started = browser.post(
        f"{site}{case.login_path}",
        data={"csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=10,
    )
    assert started.status_code == 302, started.text[:500]
    assert started.headers["Location"].startswith(fake.url)
    at_provider = requests.get(
        started.headers["Location"], allow_redirects=False, timeout=10, verify=fake.ca_bundle
    )
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    assert f"{back.scheme}://{back.netloc}" == site
    returned = browser.get(f"{site}{back.path}?{back.query}", allow_redirects=False, timeout=20)
    assert returned.status_code == 302, returned.text[:1000]
    assert returned.headers["Location"] == "/", returned.headers["Location"]
    return browser


@pytest.mark.parametrize("label", list(CASES))
def test_each_named_provider_signs_a_person_in_through_its_own_endpoints(site, fake, label):
    case = CASES[label]
    fake.requests.clear()

    browser = sign_in(site, fake, label)

    # Signed in: the chat opens instead of the sign-in page.
    home = browser.get(f"{site}/", allow_redirects=False, timeout=10)
    assert home.headers["Location"].startswith("/threads/")
    user = get_user_model().objects.get(email="olivia@corp.example")
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == (case.provider, case.uid)
    assert user.display_name == "Olivia Okafor"
    # The provider's own endpoints were asked, with real HTTP, and no other provider's.
    asked = fake.asked(case.dialect)
    assert {f"{case.dialect} authorize", f"{case.dialect} token", f"{case.dialect} profile"} <= set(
        asked
    )
    assert not [r for r in fake.requests if r not in asked], fake.requests


def test_the_sign_in_page_offers_every_configured_provider_once(site):
    page = requests.get(f"{site}/accounts/login/", timeout=10).text
    for label in CASES:
        assert page.count(f"Sign in with {label}<") == 1, label


def test_a_callback_with_a_code_no_provider_issued_signs_nobody_in(site, fake):
    browser = requests.Session()
    page = browser.get(f"{site}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    started = browser.post(
        f"{site}/accounts/okta/login/",
        data={"csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=10,
    )
    state = re.search(r"state=([^&]+)", started.headers["Location"]).group(1)
    response = browser.get(
        f"{site}/accounts/okta/login/callback/?code=made-up&state={state}", timeout=20
    )
    assert response.status_code == 401
    assert "okta token" in fake.requests  # the site asked, and the provider refused
    assert not get_user_model().objects.exists()
