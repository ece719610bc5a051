"""The client's address and scheme, believed from CHAT_TRUSTED_PROXIES only."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test.utils import override_settings

from chatproject.proxies import parse_address, resolve, with_client
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
    ("proto", "secure"), [("https", True), ("http", False), ("", None), ("http, https", True)]
)
def test_the_nearest_trusted_proxys_scheme_is_believed(proto, secure):
    assert resolve("10.0.0.5", "203.0.113.7", proto).secure is secure


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


def test_the_former_variable_name_is_still_read():
    assert (
        settings_value("CHAT_TRUSTED_PROXIES", CHAT_SSO_TRUSTED_PROXIES="10.0.0.5")
        == "['10.0.0.5']"
    )
    assert (
        settings_value(
            "CHAT_TRUSTED_PROXIES",
            CHAT_SSO_TRUSTED_PROXIES="10.0.0.5",
            CHAT_TRUSTED_PROXIES="10.9.0.0/16",
        )
        == "['10.9.0.0/16']"
    )


def test_a_proxy_named_by_host_name_stops_the_start_with_a_clear_message():
    result = load_settings("CHAT_TRUSTED_PROXIES", CHAT_TRUSTED_PROXIES="10.0.0.5,proxy.internal")
    assert result.returncode != 0
    assert "CHAT_TRUSTED_PROXIES: 'proxy.internal' is not an address or a network" in result.stderr
