"""Sign-in from an authenticating proxy's header: believed only through the SSO proxies."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test.utils import override_settings

import chat.sdk as cl
from tests.factories import make_user

pytestmark = pytest.mark.django_db
User = get_user_model()

PROXY = "10.0.0.5"
TRUSTED = override_settings(
    CHAT_SSO_HEADER="X-Forwarded-Email",
    CHAT_TRUSTED_PROXIES=[],
    CHAT_SSO_TRUSTED_PROXIES=["10.0.0.0/24", "::1"],
)
# The operator's setup: the SSO proxy, and a load balancer that also routes around it.
SSO_PROXY, BALANCER = "10.0.0.5", "10.9.0.1"
BALANCED = override_settings(
    CHAT_SSO_HEADER="X-Forwarded-Email",
    CHAT_TRUSTED_PROXIES=["10.9.0.0/16"],
    CHAT_SSO_TRUSTED_PROXIES=[SSO_PROXY],
)


def visit(client, address: str, **headers: str):
    return client.get("/", REMOTE_ADDR=address, headers=headers)


def signed_in_as(client) -> str | None:
    response = client.get("/", REMOTE_ADDR="192.0.2.1")  # from nowhere special
    if not response["Location"].startswith("/threads/"):
        return None
    return User.objects.get(pk=client.session["_auth_user_id"]).email


@TRUSTED
def test_the_trusted_proxy_header_signs_in_and_creates_the_account(client):
    response = visit(client, PROXY, x_forwarded_email="Pat@Corp.Example")
    assert response["Location"].startswith("/threads/")
    assert signed_in_as(client) == "pat@corp.example"


@TRUSTED
def test_an_existing_account_is_signed_in_not_duplicated(client, user):
    visit(client, PROXY, x_forwarded_email=user.email)
    assert signed_in_as(client) == user.email
    assert User.objects.count() == 1


@TRUSTED
@pytest.mark.parametrize("address", ["192.0.2.50", "10.0.1.5", "127.0.0.1", "::2"])
def test_the_header_from_any_other_address_is_ignored(client, user, address):
    response = visit(client, address, x_forwarded_email=user.email)
    assert response["Location"].startswith("/accounts/login/")
    assert signed_in_as(client) is None
    assert User.objects.count() == 1


@TRUSTED
def test_an_ipv6_proxy_in_the_list_is_trusted(client, user):
    visit(client, "::1", x_forwarded_email=user.email)
    assert signed_in_as(client) == user.email


@override_settings(
    CHAT_SSO_HEADER="X-Forwarded-Email", CHAT_TRUSTED_PROXIES=[], CHAT_SSO_TRUSTED_PROXIES=[]
)
def test_without_sso_proxies_the_header_is_ignored(client, user):
    visit(client, PROXY, x_forwarded_email=user.email)
    assert signed_in_as(client) is None


@override_settings(
    CHAT_SSO_HEADER="X-Forwarded-Email", CHAT_TRUSTED_PROXIES=[PROXY], CHAT_SSO_TRUSTED_PROXIES=[]
)
def test_a_proxy_trusted_for_the_clients_address_cannot_sign_anyone_in(client, user):
    visit(client, PROXY, x_forwarded_email=user.email)
    assert signed_in_as(client) is None


@TRUSTED
def test_when_the_proxy_names_someone_else_the_session_switches(client, user, other_user):
    visit(client, PROXY, x_forwarded_email=user.email)
    visit(client, PROXY, x_forwarded_email=other_user.email)
    assert signed_in_as(client) == other_user.email


@TRUSTED
def test_a_request_without_the_header_keeps_the_session(client, user):
    visit(client, PROXY, x_forwarded_email=user.email)
    visit(client, PROXY)
    assert signed_in_as(client) == user.email


@TRUSTED
def test_a_disabled_account_is_not_signed_in_by_the_header(client):
    make_user("off@corp.example", is_active=False)
    visit(client, PROXY, x_forwarded_email="off@corp.example")
    assert signed_in_as(client) is None


@TRUSTED
@override_settings(CHAT_ALLOWED_EMAIL_DOMAINS=["corp.example"])
def test_the_allow_list_applies_to_new_header_accounts(client):
    visit(client, PROXY, x_forwarded_email="stranger@elsewhere.example")
    assert signed_in_as(client) is None
    assert not User.objects.exists()


@TRUSTED
def test_the_header_hook_decides_and_enriches(client, register_hook):
    seen = []

    @cl.header_auth_callback
    def from_proxy(headers):
        seen.append(headers.get("x-forwarded-email"))
        if headers.get("X-Groups") != "staff":
            return None
        return cl.User(identifier=headers["X-Forwarded-Email"], metadata={"groups": "staff"})

    visit(client, PROXY, x_forwarded_email="ann@corp.example", x_groups="guests")
    assert signed_in_as(client) is None
    visit(client, PROXY, x_forwarded_email="ann@corp.example", x_groups="staff")
    assert seen == ["ann@corp.example", "ann@corp.example"]
    assert signed_in_as(client) == "ann@corp.example"
    assert User.objects.get(email="ann@corp.example").metadata == {"groups": "staff"}


@override_settings(CHAT_SSO_HEADER="", CHAT_TRUSTED_PROXIES=[], CHAT_SSO_TRUSTED_PROXIES=[PROXY])
def test_the_header_hook_alone_reads_any_header_of_a_trusted_request(client, register_hook):
    register_hook(
        "header_auth_callback",
        lambda headers: (
            cl.User(identifier=headers["Remote-User"]) if "Remote-User" in headers else None
        ),
    )
    visit(client, PROXY, remote_user="kim@corp.example")
    assert signed_in_as(client) == "kim@corp.example"


@override_settings(CHAT_SSO_HEADER="", CHAT_TRUSTED_PROXIES=[], CHAT_SSO_TRUSTED_PROXIES=[PROXY])
def test_the_header_hook_is_not_asked_for_untrusted_requests(client, register_hook):
    asked = []
    register_hook("header_auth_callback", lambda headers: asked.append(1))
    visit(client, "192.0.2.9", remote_user="kim@corp.example")
    assert asked == []


@BALANCED
def test_through_the_load_balancer_alone_the_header_signs_nobody_in(client, user):
    visit(client, BALANCER, x_forwarded_for="203.0.113.9", x_forwarded_email=user.email)
    assert signed_in_as(client) is None


@BALANCED
@pytest.mark.parametrize("forged", [SSO_PROXY, f"203.0.113.9, {SSO_PROXY}"])
def test_naming_the_sso_proxy_in_forwarded_for_through_the_balancer_does_not_help(
    client, user, forged
):
    # The balancer appends the address it saw: the attacker's own.
    chain = f"{forged}, 198.51.100.4"
    visit(client, BALANCER, x_forwarded_for=chain, x_forwarded_email=user.email)
    assert signed_in_as(client) is None


@BALANCED
def test_through_the_sso_proxy_then_the_balancer_the_header_signs_in(client, user):
    visit(
        client, BALANCER, x_forwarded_for=f"203.0.113.9, {SSO_PROXY}", x_forwarded_email=user.email
    )
    assert signed_in_as(client) == user.email


@BALANCED
def test_from_the_sso_proxy_directly_the_header_signs_in(client, user):
    visit(client, SSO_PROXY, x_forwarded_email=user.email)
    assert signed_in_as(client) == user.email
