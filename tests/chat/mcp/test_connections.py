"""MCP connection definitions: Chainlit's three shapes, anything malformed refused plainly."""

from __future__ import annotations

import pytest

from chat.mcp.connections import (
    HttpMcpConnection,
    McpDefinitionError,
    SseMcpConnection,
    StdioMcpConnection,
    from_dict,
    to_dict,
)


def test_each_type_becomes_chainlits_connection_with_its_fields():
    http = from_dict({"name": "t", "type": "streamable-http", "url": "https://x/mcp"})
    sse = from_dict({"name": "t", "type": "sse", "url": "http://x/sse", "headers": {"A": "b"}})
    stdio = from_dict({"name": "t", "type": "stdio", "command": "uvx", "args": ["srv"]})
    assert isinstance(http, HttpMcpConnection)
    assert (http.type, http.clientType) == ("streamable-http", "streamable-http")
    assert isinstance(sse, SseMcpConnection)
    assert sse.headers == {"A": "b"}
    assert isinstance(stdio, StdioMcpConnection)
    assert (stdio.command, stdio.args, stdio.type) == ("uvx", ["srv"], "stdio")


def test_the_stored_form_reads_back_the_same():
    for data in (
        {"name": "a", "type": "sse", "url": "http://x/sse", "headers": {"K": "v"}},
        {"name": "b", "type": "stdio", "command": "uvx", "args": ["x"], "env": {"E": "1"}},
    ):
        assert to_dict(from_dict(data)) == data


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ({"type": "sse", "url": "http://x"}, "needs a name"),
        ({"name": "x" * 65, "type": "sse", "url": "http://x"}, "needs a name"),
        ({"name": "a", "type": "websocket", "url": "ws://x"}, "use one of stdio"),
        ({"name": "a", "type": "sse", "url": "file:///etc/passwd"}, "http:// or https://"),
        ({"name": "a", "type": "stdio"}, "needs a command"),
        ({"name": "a", "type": "stdio", "command": "uvx", "args": "x y"}, "list of text"),
        ({"name": "a", "type": "sse", "url": "http://x", "headers": {"A": 1}}, "text values"),
    ],
)
def test_malformed_definitions_are_refused_with_the_reason(data, why):
    with pytest.raises(McpDefinitionError, match=why):
        from_dict(data)
