"""What may be connected to: allowed executables only, personal hosts on the list only."""

from __future__ import annotations

import pytest

from chat.mcp.connections import StdioMcpConnection
from chat.mcp.policy import McpRefused, check_executable, check_personal_url, host_allowed


def stdio(command: str) -> StdioMcpConnection:
    return StdioMcpConnection(name="t", command=command)


def test_an_allowed_executable_passes():
    check_executable(stdio("uvx"), ["npx", "uvx"])
    check_executable(stdio("/opt/tools/server"), ["/opt/tools/server"])


@pytest.mark.parametrize(
    "command", ["bash", "/usr/bin/uvx", "uvx; rm -rf /", "uvx --from x", "./uvx", "UVX"]
)
def test_anything_but_an_exact_allowed_executable_is_refused(command):
    with pytest.raises(McpRefused, match="may not be started"):
        check_executable(stdio(command), ["uvx"])


def test_stdio_is_off_with_an_empty_list():
    with pytest.raises(McpRefused, match="off here"):
        check_executable(stdio("uvx"), [])


def test_host_patterns_match_whole_names_case_blind():
    assert host_allowed("Tools.Example.com", ["*.example.com"])
    assert not host_allowed("example.com.evil.net", ["*.example.com"])
    assert not host_allowed("evil.net", [])


async def test_personal_urls_need_the_list():
    with pytest.raises(McpRefused, match="off here"):
        await check_personal_url("https://tools.example.com/mcp", [])
    with pytest.raises(McpRefused, match="not one MCP servers may be reached at"):
        await check_personal_url("https://evil.net/mcp", ["*.example.com"])


async def test_a_wildcard_never_reaches_loopback_or_private_addresses():
    # "localhost" resolves to 127.0.0.1 and ::1: a pattern matching it is not enough.
    with pytest.raises(McpRefused, match="private address"):
        await check_personal_url("http://localhost:8000/mcp", ["local*"])
    with pytest.raises(McpRefused, match="private address"):
        await check_personal_url("http://10.1.2.3/mcp", ["10.*"])


async def test_a_host_listed_literally_may_be_private():
    await check_personal_url("http://127.0.0.1:8000/mcp", ["127.0.0.1"])


async def test_a_public_host_is_checked_once_and_its_address_pinned(monkeypatch):
    import asyncio
    import socket

    answers = iter(["93.184.215.14", "127.0.0.1"])  # a rebinding name: public, then loopback

    async def getaddrinfo(host, port, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), 0))]

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", getaddrinfo)
    # The address checked is the one the connection uses (the link pins it): the second,
    # loopback answer is never asked for.
    assert await check_personal_url("https://tools.example.com/mcp", ["*.example.com"]) == (
        "93.184.215.14"
    )
