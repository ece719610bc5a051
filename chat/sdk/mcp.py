"""MCP, as in Chainlit (`chainlit.mcp` and `@cl.on_mcp_connect`): tool servers connected to
each chat, their sessions in `cl.context.session.mcp_sessions[name]` as
`(ClientSession, exit_stack)`.

The servers come from the company's settings (CHAT_MCP_SERVERS); each chat connects to
them when it opens, on whichever instance holds its socket.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from chat.engine.registry import hooks
from chat.mcp.connections import (
    HttpMcpConnection,
    McpConnection,
    SseMcpConnection,
    StdioMcpConnection,
)

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


__all__ = [
    "HttpMcpConnection",
    "McpConnection",
    "SseMcpConnection",
    "StdioMcpConnection",
    "on_mcp_connect",
    "on_mcp_disconnect",
]
