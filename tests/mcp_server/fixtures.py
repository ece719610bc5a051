"""Fixtures: the tracker MCP server over each transport, and settings that connect to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mcp_server.process import STDIO_COMMAND, McpServerProcess, start_server

TOKEN = "s3cret-tracker-token"
PORT_CHECK_APP = str(Path(__file__).resolve().parent.parent / "port_check" / "mcp_tools.py")


@pytest.fixture(scope="module")
def http_tracker() -> Iterator[McpServerProcess]:
    server = start_server("streamable-http", TOKEN)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sse_tracker() -> Iterator[McpServerProcess]:
    server = start_server("sse", TOKEN)
    yield server
    server.stop()


def http_definition(server: McpServerProcess, name: str = "tracker", **extra) -> dict:
    return {
        "name": name,
        "type": server.transport,
        "url": server.url,
        "headers": {"Authorization": f"Bearer {TOKEN}"},
        **extra,
    }


def stdio_definition(name: str = "tracker") -> dict:
    return {
        "name": name,
        "type": "stdio",
        "command": STDIO_COMMAND[0],
        "args": list(STDIO_COMMAND[1:]),
    }


@pytest.fixture
def tracker_definition(request, settings):
    """The tracker over the transport named by the test's parameter, allowed to run."""

    def definition(transport: str) -> dict:
        if transport == "stdio":
            settings.CHAT_MCP_STDIO_ALLOWED = [STDIO_COMMAND[0]]
            return stdio_definition()
        server = request.getfixturevalue(
            "http_tracker" if transport == "streamable-http" else "sse_tracker"
        )
        return http_definition(server)

    return definition
