"""`runchat [assistant] [addr:port]`: which argument is which, and whether the port is free."""

from __future__ import annotations

import socket

import pytest

from chat.devserver.addresses import Address, split_arguments


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ((None, None), (None, "127.0.0.1:8000")),
        (("app.py", None), ("app.py", "127.0.0.1:8000")),
        (("8123", None), (None, "8123")),
        (("0.0.0.0:8123", None), (None, "0.0.0.0:8123")),
        (("localhost:8123", None), (None, "localhost:8123")),
        (("chat.assistants.default", None), ("chat.assistants.default", "127.0.0.1:8000")),
        (
            ("chat.assistants.default", "127.0.0.1:8123"),
            ("chat.assistants.default", "127.0.0.1:8123"),
        ),
        (("app.py", "[::1]:8123"), ("app.py", "[::1]:8123")),
    ],
)
def test_a_dotted_module_path_is_an_assistant_and_only_an_address_is_an_address(
    arguments, expected
):
    assert split_arguments(*arguments) == expected


def test_an_address_is_shown_as_a_url_a_browser_can_open():
    assert Address.parse("8123").url == "http://127.0.0.1:8123/"
    assert Address.parse("0.0.0.0:8123").url == "http://127.0.0.1:8123/"
    assert Address.parse("[::1]:8123").url == "http://[::1]:8123/"
    assert Address.parse("[::1]:8123").addrport == "[::1]:8123"


def test_something_that_is_no_address_is_refused():
    with pytest.raises(ValueError, match="not a port number or an address:port pair"):
        Address.parse("chat.assistants.default")


def test_a_port_another_program_listens_on_is_unavailable():
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        assert Address.parse(f"127.0.0.1:{port}").unavailable() == (
            "another program is listening on it"
        )
    assert Address.parse(f"127.0.0.1:{port}").unavailable() is None


@pytest.mark.parametrize(
    ("addrport", "loopback"),
    [
        ("8123", True),
        ("127.0.0.1:8123", True),
        ("127.3.0.1:8123", True),
        ("[::1]:8123", True),
        ("localhost:8123", True),
        ("0.0.0.0:8123", False),
        ("[::]:8123", False),
        ("192.168.1.20:8123", False),
        ("chat.example.com:8123", False),
    ],
)
def test_only_a_loopback_address_counts_as_reachable_from_this_machine_alone(addrport, loopback):
    assert Address.parse(addrport).is_loopback is loopback
