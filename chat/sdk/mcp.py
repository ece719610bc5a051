"""MCP, as in Chainlit (`chainlit.mcp` and `@cl.on_mcp_connect`): tool servers connected to
each chat, their sessions in `cl.context.session.mcp_sessions[name]` as
`(ClientSession, exit_stack)`.

The servers come from the company's settings (CHAT_MCP_SERVERS); each chat connects to
them when it opens, on whichever instance holds its socket.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from chat.engine.context import require_session
from chat.engine.registry import hooks
from chat.mcp.connections import (
    HttpMcpConnection,
    McpConnection,
    SseMcpConnection,
    StdioMcpConnection,
)
from chat.mcp.link import McpCallError

F = TypeVar("F", bound=Callable[..., Any])


def on_mcp_connect(func: F) -> F:
    """Runs when a chat has connected to a tool server; receives the connection (`name`,
    `type`, and its `url` and `headers` or `command` and `args`) and the `mcp`
    `ClientSession`, already initialised.

    Example:
        @cl.on_mcp_connect
        async def connected(connection, session: ClientSession):
            tools = (await session.list_tools()).tools
            mcp_tools = cl.user_session.get("mcp_tools", {})
            mcp_tools[connection.name] = [t.name for t in tools]
            cl.user_session.set("mcp_tools", mcp_tools)
    """
    hooks.on_mcp_connect = func
    return func


def on_mcp_disconnect(func: F) -> F:
    """Runs when a tool server is disconnected from the chat; receives its name and session.

    Example:
        @cl.on_mcp_disconnect
        async def disconnected(name: str, session: ClientSession):
            cl.user_session.get("mcp_tools", {}).pop(name, None)
    """
    hooks.on_mcp_disconnect = func
    return func


def connected_tools() -> list[tuple[str, Any]]:
    """Beyond Chainlit: every tool of this chat's connected servers, as (server name, the
    SDK's `Tool`), listed when each server connected.

    Example:
        for server, tool in cl.mcp.connected_tools():
            print(server, tool.name, tool.inputSchema)
    """
    links = getattr(require_session(), "mcp_links", {})
    return [(name, tool) for name, link in links.items() if link.alive for tool in link.tools]


async def call_tool(server: str, name: str, arguments: dict[str, Any]) -> Any:
    """Beyond Chainlit: calls a tool of a connected server within CHAT_MCP_CALL_TIMEOUT; a
    server that is gone, or does not answer in time, raises `McpCallError` (a tool's own
    failure comes back as a result with `isError`).

    Example:
        result = await cl.mcp.call_tool("tracker", "lookup_ticket", {"ticket_id": "T-1"})
    """
    link = getattr(require_session(), "mcp_links", {}).get(server)
    if link is None:
        raise McpCallError(f"{server} is not connected.")
    return await link.call_tool(name, arguments)


__all__ = [
    "HttpMcpConnection",
    "McpCallError",
    "McpConnection",
    "SseMcpConnection",
    "StdioMcpConnection",
    "call_tool",
    "connected_tools",
    "on_mcp_connect",
    "on_mcp_disconnect",
]
