"""The client's address and scheme, believed from CHAT_TRUSTED_PROXIES only."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test.utils import override_settings

from chatproject.proxies import UNIX_SOCKET_CLIENT, Client, parse_address, resolve, with_client
from tests.services import ROOT

TRUSTED = override_settings(CHAT_TRUSTED_PROXIES=["10.0.0.5", "10.1.0.0/16", "fd00::/8"])


@TRUSTED
def test_an_untrusted_peer_is_the_client_whatever_it_forwards():
    client = resolve("192.0.2.9", "10.0.0.5, 203.0.113.1", "https")
    assert (client.address, client.secure, client.via_trusted_proxy) == ("192.0.2.9", None, False)


@TRUSTED
def test_forwarded_for_is_read_right_to_left_skipping_trusted_hops():
    # The client wrote the leftmost two itself; the proxies appended the rest.
    chain = "10.0.0.5, 198.51.100.1, 203.0.113.7, 10.1.2.3"
    assert resolve("10.0.0.5", chain).address == "203.0.113.7"


@TRUSTED
def test_a_trusted_peer_without_forwarded_for_is_the_client():
    assert resolve("10.0.0.5").address == "10.0.0.5"


@TRUSTED
def test_when_every_hop_is_trusted_the_leftmost_is_the_client():
    assert resolve("10.0.0.5", "10.1.0.9, 10.1.0.8").address == "10.1.0.9"


@TRUSTED
def test_a_garbled_entry_stops_the_walk_at_the_last_readable_hop():
    assert resolve("10.0.0.5", "198.51.100.1, not-an-address, 10.1.0.8").address == "10.1.0.8"


@TRUSTED
@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("203.0.113.7:51234", "203.0.113.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ('"[2001:db8::2]"', "2001:db8::2"),
    ],
)
def test_addresses_with_ports_and_brackets_are_read(written, read):
    assert resolve("10.0.0.5", written).address == read


@TRUSTED
def test_an_ipv4_mapped_peer_is_read_as_ipv4():
    assert parse_address("::ffff:10.0.0.5").version == 4
    assert resolve("::ffff:10.0.0.5", "203.0.113.7").address == "203.0.113.7"


@TRUSTED
@pytest.mark.parametrize(
    ("proto", "secure"),
    [
        ("https", True),
        ("http", False),
        ("", None),
        ("http, https", True),
        ("wss", True),
        ("ws", False),
    ],
)
def test_the_nearest_trusted_proxys_scheme_is_believed(proto, secure):
    assert resolve("10.0.0.5", "203.0.113.7", proto).secure is secure


@override_settings(CHAT_TRUSTED_PROXIES=["::ffff:10.0.0.0/104", "::ffff:10.2.0.7"])
def test_ipv4_mapped_networks_in_the_list_match_the_ipv4_peers_they_stand_for():
    assert resolve("10.0.3.4", "203.0.113.7").address == "203.0.113.7"
    assert resolve("::ffff:10.2.0.7", "203.0.113.8").address == "203.0.113.8"
    assert resolve("11.0.0.1", "203.0.113.7").address == "11.0.0.1"


@override_settings(CHAT_TRUSTED_PROXIES=[], CHAT_SSO_TRUSTED_PROXIES=[])
def test_a_unix_socket_peer_not_listed_is_one_placeholder_client_believed_in_nothing():
    client = resolve("", "203.0.113.7", "https")
    assert client == Client(UNIX_SOCKET_CLIENT, None, via_trusted_proxy=False)


@override_settings(CHAT_TRUSTED_PROXIES=["unix"], CHAT_SSO_TRUSTED_PROXIES=["unix"])
def test_a_unix_socket_peer_is_trusted_when_listed():
    client = resolve("", "203.0.113.7", "https")
    assert client == Client("203.0.113.7", True, via_trusted_proxy=True, via_sso_proxy=True)
    assert resolve("").address == UNIX_SOCKET_CLIENT


def test_a_unix_socket_scope_gets_a_client_address():
    scope = with_client({"type": "http", "client": None, "headers": [], "scheme": "http"})
    assert scope["client"] == (UNIX_SOCKET_CLIENT, 0)


# -- whose SSO header is believed: CHAT_SSO_TRUSTED_PROXIES, judged on the resolved chain --
BALANCED = override_settings(
    CHAT_TRUSTED_PROXIES=["10.9.0.0/16"], CHAT_SSO_TRUSTED_PROXIES=["10.0.0.5"]
)


@BALANCED
def test_a_trusted_balancer_alone_does_not_make_a_request_sso_signed():
    client = resolve("10.9.0.1", "203.0.113.9")
    assert (client.address, client.via_trusted_proxy, client.via_sso_proxy) == (
        "203.0.113.9",
        True,
        False,
    )


@BALANCED
def test_the_sso_proxy_as_a_hop_the_balancer_wrote_makes_it_sso_signed():
    assert resolve("10.9.0.1", "203.0.113.9, 10.0.0.5").via_sso_proxy


@BALANCED
def test_the_sso_proxy_named_by_the_client_itself_does_not():
    assert not resolve("10.9.0.1", "10.0.0.5, 203.0.113.9").via_sso_proxy


@BALANCED
def test_the_sso_proxy_as_the_peer_is_sso_signed_without_being_a_trusted_proxy():
    client = resolve("10.0.0.5", "203.0.113.9")
    assert (client.address, client.via_trusted_proxy, client.via_sso_proxy) == (
        "10.0.0.5",
        False,
        True,
    )


@override_settings(
    CHAT_TRUSTED_PROXIES=["10.9.0.0/16", "10.0.0.5"], CHAT_SSO_TRUSTED_PROXIES=["10.0.0.5"]
)
def test_an_sso_proxy_also_trusted_gives_the_real_client_and_stays_sso_signed():
    client = resolve("10.9.0.1", "203.0.113.9, 10.0.0.5")
    assert (client.address, client.via_sso_proxy) == ("203.0.113.9", True)


@override_settings(CHAT_TRUSTED_PROXIES=[])
def test_with_no_trusted_proxies_nothing_forwarded_is_believed():
    client = resolve("10.0.0.5", "203.0.113.7", "https")
    assert (client.address, client.via_trusted_proxy) == ("10.0.0.5", False)


@TRUSTED
def test_the_scope_gets_the_client_and_loses_untrusted_forwarded_headers():
    headers = [(b"x-forwarded-for", b"10.0.0.5"), (b"x-forwarded-proto", b"https"), (b"a", b"b")]
    scope = with_client(
        {"type": "http", "client": ("192.0.2.9", 4000), "headers": headers, "scheme": "http"}
    )
    assert scope["client"] == ("192.0.2.9", 4000)
    assert scope["scheme"] == "http"
    assert scope["headers"] == [(b"a", b"b")]
    proxied = with_client({"type": "websocket", "client": ("10.0.0.5", 4000), "headers": headers})
    assert proxied["client"] == ("10.0.0.5", 4000)  # the forwarded chain holds only the proxy
    assert proxied["scheme"] == "wss"


def load_settings(name: str, **env: str) -> subprocess.CompletedProcess:
    """chatproject.settings loaded in a process of its own, with `env`; prints `name`."""
    code = (
        f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "CHAT_", "DJANGO"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "chatproject.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def settings_value(name: str, **env: str) -> str:
    result = load_settings(name, **env)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


def test_each_list_is_read_on_its_own_with_no_fallback_either_way():
    assert settings_value("CHAT_TRUSTED_PROXIES", CHAT_SSO_TRUSTED_PROXIES="10.0.0.5") == "[]"
    assert settings_value("CHAT_SSO_TRUSTED_PROXIES", CHAT_TRUSTED_PROXIES="10.9.0.0/16") == "[]"
    both = {"CHAT_SSO_TRUSTED_PROXIES": "10.0.0.5", "CHAT_TRUSTED_PROXIES": "10.9.0.0/16"}
    assert settings_value("CHAT_TRUSTED_PROXIES", **both) == "['10.9.0.0/16']"
    assert settings_value("CHAT_SSO_TRUSTED_PROXIES", **both) == "['10.0.0.5']"


def test_the_sso_header_without_sso_proxies_stops_the_start_with_a_clear_message():
    result = load_settings(
        "CHAT_SSO_HEADER", CHAT_SSO_HEADER="X-Forwarded-Email", CHAT_TRUSTED_PROXIES="10.9.0.0/16"
    )
    assert result.returncode != 0
    assert "CHAT_SSO_HEADER is set but CHAT_SSO_TRUSTED_PROXIES is empty" in result.stderr


def test_an_sso_proxy_named_by_host_name_stops_the_start_with_a_clear_message():
    result = load_settings("CHAT_SSO_TRUSTED_PROXIES", CHAT_SSO_TRUSTED_PROXIES="oauth2-proxy")
    assert result.returncode != 0
    assert "CHAT_SSO_TRUSTED_PROXIES: 'oauth2-proxy' is not an address" in result.stderr


def test_a_proxy_named_by_host_name_stops_the_start_with_a_clear_message():
    result = load_settings("CHAT_TRUSTED_PROXIES", CHAT_TRUSTED_PROXIES="10.0.0.5,proxy.internal")
    assert result.returncode != 0
    assert "CHAT_TRUSTED_PROXIES: 'proxy.internal' is not an address or a network" in result.stderr


@TRUSTED
def test_a_trusted_proxys_forwarded_host_becomes_the_host_header_and_nobody_elses_does():
    headers = [
        (b"host", b"10.0.0.7:8000"),
        (b"x-forwarded-host", b"spoofed.example, chat.example.com"),
        (b"x-forwarded-proto", b"https"),
    ]
    proxied = with_client({"type": "websocket", "client": ("10.0.0.5", 4000), "headers": headers})
    assert [v for k, v in proxied["headers"] if k == b"host"] == [b"chat.example.com"]
    direct = with_client({"type": "http", "client": ("192.0.2.9", 4000), "headers": headers})
    assert direct["headers"] == [(b"host", b"10.0.0.7:8000")]
