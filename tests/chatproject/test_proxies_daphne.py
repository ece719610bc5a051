"""TLS ended at a proxy, against a real daphne on production settings: X-Forwarded-Proto
and X-Forwarded-Host are believed from CHAT_TRUSTED_PROXIES only. Believed, a request the
proxy took over HTTPS is served (with HSTS), and one it took over HTTP is sent to HTTPS on
the name the browser used; from anyone else both headers count for nothing."""

from __future__ import annotations

import http.client
import os
from pathlib import Path

import pytest

from tests.services import Daphne, free_port

HOST = "chat.example.com"


def production_env(tmp: Path, trusted: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "CHAT_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "chatproject.settings",
            "DEBUG": "0",
            "SECRET_KEY": "proxy-test-secret-key-0123456789-abcdefghijklmnopqrstuv",
            "ALLOWED_HOSTS": f"{HOST},127.0.0.1",
            "CHAT_TRUSTED_PROXIES": trusted,
            "CHAT_VAR_DIR": str(tmp / "var"),
            "STATIC_ROOT": str(tmp / "static"),
            "CHAT_HOUSEKEEPING_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """One daphne that trusts the proxy on 127.0.0.1, one that trusts nobody."""
    tmp = tmp_path_factory.mktemp("proxies")
    trusting = Daphne("trusting", production_env(tmp / "a", "127.0.0.1"), tmp, free_port())
    distrusting = Daphne("distrusting", production_env(tmp / "b", ""), tmp, free_port())
    try:
        for server in (trusting, distrusting):
            server.start()
        yield trusting, distrusting
    finally:
        for server in (trusting, distrusting):
            server.stop()


def get(port: int, path: str, **headers: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Host": f"127.0.0.1:{port}", **headers})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_a_trusted_proxys_https_is_believed_and_served_with_hsts(servers):
    trusting, _ = servers
    response = get(trusting.port, "/", **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": HOST})
    # Served (to sign in first), not sent to HTTPS again.
    assert response.status == 302
    assert response.getheader("Location").startswith("/accounts/login/")
    assert "max-age=" in (response.getheader("Strict-Transport-Security") or "")


def test_a_trusted_proxys_plain_http_goes_to_https_on_the_forwarded_host(servers):
    trusting, _ = servers
    response = get(trusting.port, "/", **{"X-Forwarded-Proto": "http", "X-Forwarded-Host": HOST})
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/"


def test_a_forwarded_host_outside_allowed_hosts_is_refused(servers):
    trusting, _ = servers
    response = get(
        trusting.port, "/", **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    )
    assert response.status == 400


def test_from_an_untrusted_peer_forwarded_scheme_and_host_count_for_nothing(servers):
    _, distrusting = servers
    response = get(
        distrusting.port, "/", **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": HOST}
    )
    assert response.status == 301
    assert response.getheader("Location") == f"https://127.0.0.1:{distrusting.port}/"
    assert response.getheader("Strict-Transport-Security") is None
