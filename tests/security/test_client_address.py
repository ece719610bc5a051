"""Who the client is, against a real daphne started as the Dockerfile and compose file
start it: forwarded headers are believed from the trusted proxy only (CHAT_TRUSTED_PROXIES),
so nobody signs in as someone else with a forged X-Forwarded-For and the SSO header, and
the per-address sign-in limits count the real address, however each request forges it."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlencode

import pytest
import yaml

from tests.factories import make_user
from tests.security.servers import (
    ROOT,
    SSO_HEADER,
    ForwardingProxy,
    UnixSocketDaphne,
    compose_daphne_arguments,
    fresh_loopback_address,
    request,
    shipped_daphne_arguments,
    started_web,
    unix_request,
)
from tests.services import service_env

pytestmark = pytest.mark.django_db(transaction=True)

TOO_MANY = "Too many failed login attempts"


def test_the_shipped_commands_start_daphne_without_trusting_forwarded_headers():
    assert "--proxy-headers" not in shipped_daphne_arguments()
    assert compose_daphne_arguments() == shipped_daphne_arguments()
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    # The trusted proxies are named explicitly; by default only compose's own nginx, by
    # its fixed address (never a network, never the Docker gateway).
    proxy = compose["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    assert compose["x-app"]["environment"]["CHAT_TRUSTED_PROXIES"] == (
        "${CHAT_TRUSTED_PROXIES:-" + proxy + "}"
    )
    assert not proxy.endswith(".1")
    assert (
        compose["x-app"]["environment"]["CHAT_SSO_TRUSTED_PROXIES"]
        == "${CHAT_SSO_TRUSTED_PROXIES:-}"
    )


def test_the_compose_port_is_published_on_the_hosts_loopback_unless_asked_otherwise():
    """A proxy on the host is trusted by the Docker gateway's address, which every client
    reaching a port published on all addresses would share."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert compose["services"]["proxy"]["ports"] == [
        "${CHAT_BIND:-127.0.0.1}:${CHAT_PORT:-8000}:8080"
    ]
    # The web processes are reached through the proxy only.
    assert [name for name, s in compose["services"].items() if s.get("ports")] == ["proxy"]


# -- the SSO header ----------------------------------------------------------------------
@pytest.fixture
def root():
    return make_user("root@corp.example", is_staff=True, is_superuser=True)


def signed_in(response) -> bool:
    return "sessionid" in response.cookies()


@pytest.mark.parametrize("forged", ["{proxy}", "198.51.100.7, {proxy}", "{proxy}, {proxy}"])
def test_forged_forwarded_for_cannot_sign_in_as_someone_else(web, root, forged):
    attacker = fresh_loopback_address()
    headers = {"X-Forwarded-For": forged.format(proxy=web.trusted_proxy), SSO_HEADER: root.email}
    admin = request(web.port, "GET", "/admin/", source=attacker, headers=headers)
    assert admin.status == 302
    assert admin.header("Location").startswith("/admin/login/")
    assert not signed_in(admin)
    home = request(web.port, "GET", "/", source=attacker, headers=headers)
    assert home.header("Location").startswith("/accounts/login/")
    assert not signed_in(home)


def test_through_the_trusted_proxy_the_sso_header_signs_in(web, behind_proxy, root):
    proxy = behind_proxy(**{SSO_HEADER: root.email})
    admin = request(proxy.port, "GET", "/admin/", source=fresh_loopback_address())
    assert admin.status == 200
    assert signed_in(admin)


def test_the_sso_header_is_ignored_from_the_proxy_address_on_another_connection(web, root):
    """The address is the socket's, not anything said in the request: only a connection
    from the proxy itself counts (here the attacker's own address, never the proxy's)."""
    attacker = fresh_loopback_address()
    forged = {"X-Forwarded-For": attacker, "X-Real-IP": web.trusted_proxy, SSO_HEADER: root.email}
    response = request(web.port, "GET", "/admin/", source=attacker, headers=forged)
    assert not signed_in(response)


# A load balancer trusted for the client's address, which also routes webhooks around the
# SSO proxy; the SSO proxy sits behind it (its address is a hop the balancer writes).
@pytest.fixture(scope="module")
def balanced_web(django_db_setup, django_db_blocker, tmp_path_factory):
    sso_proxy = fresh_loopback_address()
    tmp = tmp_path_factory.mktemp("balanced-web")
    server = started_web("balanced-web", tmp, django_db_blocker, sso_proxy=sso_proxy)
    balancer = ForwardingProxy(server.port, server.trusted_proxy).start()
    yield balancer, sso_proxy
    balancer.stop()
    server.stop()


def test_through_a_trusted_balancer_alone_the_sso_header_signs_nobody_in(balanced_web, root):
    balancer, sso_proxy = balanced_web
    for forged in ({}, {"X-Forwarded-For": sso_proxy}):
        headers = {**forged, SSO_HEADER: root.email}
        admin = request(
            balancer.port, "GET", "/admin/", source=fresh_loopback_address(), headers=headers
        )
        assert admin.status == 302
        assert not signed_in(admin)


def test_through_the_sso_proxy_behind_the_balancer_the_sso_header_signs_in(balanced_web, root):
    balancer, sso_proxy = balanced_web
    sso = ForwardingProxy(balancer.port, sso_proxy, sets={SSO_HEADER: root.email}).start()
    try:
        admin = request(sso.port, "GET", "/admin/", source=fresh_loopback_address())
    finally:
        sso.stop()
    assert admin.status == 200
    assert signed_in(admin)


# -- the scheme -------------------------------------------------------------------------------
def login_form(port: int, source: str, origin: str) -> tuple[dict[str, str], str]:
    page = request(port, "GET", "/accounts/login/", source=source, headers={"Origin": origin})
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)
    headers = {
        "Cookie": f"csrftoken={page.cookies()['csrftoken']}",
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": origin,
    }
    return headers, token


def attempt(port: int, source: str, origin: str, email: str, password: str, **headers: str):
    form_headers, token = login_form(port, source, origin)
    body = urlencode({"login": email, "password": password, "csrfmiddlewaretoken": token})
    return request(
        port,
        "POST",
        "/accounts/login/",
        source=source,
        headers={**form_headers, **headers},
        body=body,
    )


def test_only_the_trusted_proxy_can_say_a_request_came_over_https(web, behind_proxy, user):
    """Django's CSRF check compares the page's Origin with the request's own scheme."""
    client = fresh_loopback_address()
    https_page = f"https://127.0.0.1:{web.port}"
    claimed = attempt(
        web.port, client, https_page, user.email, "wrong", **{"X-Forwarded-Proto": "https"}
    )
    assert claimed.status == 403
    proxy = behind_proxy()
    through = attempt(proxy.port, client, f"https://127.0.0.1:{proxy.port}", user.email, "wrong")
    assert through.status == 200
    assert "password you specified are not correct" in through.body


def test_with_debug_off_a_client_claiming_https_is_still_redirected_to_it(
    production_web, behind_proxy_in_production
):
    claimed = request(
        production_web.port,
        "GET",
        "/branding.css",
        source=fresh_loopback_address(),
        headers={"X-Forwarded-Proto": "https"},
    )
    assert claimed.status == 301
    assert claimed.header("Location") == f"https://127.0.0.1:{production_web.port}/branding.css"
    proxy = behind_proxy_in_production()
    through = request(proxy.port, "GET", "/branding.css", source=fresh_loopback_address())
    assert through.status == 200
    assert "Strict-Transport-Security" in dict(through.headers)


# -- per-address sign-in limits ------------------------------------------------------------
def guesses(port: int, source: str, origin: str, emails: list[str]) -> list[bool]:
    """A wrong password for each account, each request with a new forged address;
    whether each one was refused as one too many."""
    return [
        TOO_MANY
        in attempt(
            port, source, origin, email, "wrong-guess", **{"X-Forwarded-For": f"198.51.100.{n}"}
        ).body
        for n, email in enumerate(emails)
    ]


def test_a_new_forged_forwarded_for_per_request_does_not_escape_the_per_address_limit(web):
    emails = [make_user().email for _ in range(12)]
    refused = guesses(web.port, fresh_loopback_address(), f"http://127.0.0.1:{web.port}", emails)
    assert refused == [False] * 10 + [True] * 2


def test_behind_the_trusted_proxy_each_client_is_counted_and_forging_does_not_help(
    web, behind_proxy
):
    proxy = behind_proxy()
    origin = f"https://127.0.0.1:{proxy.port}"
    emails = [make_user().email for _ in range(12)]
    refused = guesses(proxy.port, fresh_loopback_address(), origin, emails)
    assert refused == [False] * 10 + [True] * 2
    # Another person behind the same proxy still gets their guesses: not the proxy counted.
    assert guesses(proxy.port, fresh_loopback_address(), origin, emails[:1]) == [False]


# -- daphne on a unix socket (daphne -u): no peer address ----------------------------------
@pytest.fixture(scope="module")
def unix_socket_web(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("unix-web")
    with django_db_blocker.unblock():
        env = service_env(tmp, f"chat-test-{uuid.uuid4().hex[:12]}")
    server = UnixSocketDaphne("unix-web", env, tmp)
    server.start()
    yield server
    server.stop()


def test_over_a_unix_socket_sign_in_is_answered_not_refused(unix_socket_web, user):
    """With no peer address, the per-address limits count a placeholder instead of
    refusing every sign-in (allauth's adapter raised PermissionDenied: a 403)."""
    socket_path = unix_socket_web.socket_path
    page = unix_request(socket_path, "GET", "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)
    body = urlencode({"login": user.email, "password": "wrong", "csrfmiddlewaretoken": token})
    headers = {
        "Cookie": f"csrftoken={page.cookies()['csrftoken']}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    answer = unix_request(socket_path, "POST", "/accounts/login/", headers=headers, body=body)
    assert answer.status == 200
    assert "password you specified are not correct" in answer.body
