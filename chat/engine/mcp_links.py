"""A chat session's MCP connections, as Chainlit keeps them (`session.mcp_sessions`).

An MCP session lives in the process that opened it, so it is never assumed to exist: every
new chat, and every socket that reconnects (to this instance or another), connects again
from the definitions. They close with the session (socket closed, server stopping), which
also ends a stdio server's process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils.translation import gettext as _

from chat.engine.emitter import Emitter
from chat.engine.registry import call_hook, hooks
from chat.mcp import policy
from chat.mcp.connections import (
    McpConnection,
    McpDefinitionError,
    StdioMcpConnection,
    from_dict,
)
from chat.mcp.link import McpConnectError, McpLink
from chat.mcp_servers import store

logger = logging.getLogger(__name__)


class McpHolder(Protocol):
    """What of a session holds MCP connections."""

    emitter: Emitter
    # name -> (ClientSession, AsyncExitStack), as Chainlit's session has it.
    mcp_sessions: dict[str, tuple[Any, Any]]
    mcp_links: dict[str, McpLink]
    # name -> why it could not connect, for whoever shows the connections.
    mcp_failures: dict[str, str]


@dataclass(frozen=True)
class Source:
    """A connection and where it was defined: settings, the admin, or the person."""

    connection: McpConnection
    personal: bool = False
    server_id: int | None = None


def enabled() -> bool:
    """Connections are made only for an assistant that takes them (as in Chainlit)."""
    return hooks.on_mcp_connect is not None


def configured() -> list[Source]:
    """The company's servers from settings (CHAT_MCP_SERVERS); a malformed one is logged
    and left out rather than stopping every chat."""
    found = []
    for entry in settings.CHAT_MCP_SERVERS:
        try:
            found.append(Source(from_dict(entry)))
        except McpDefinitionError as error:
            logger.error("CHAT_MCP_SERVERS: %s", error)
    return found


@sync_to_async
def _stored(user: Any) -> list[Source]:
    return [
        Source(connection, personal=not server.is_company, server_id=server.pk)
        for server, connection in store.definitions_for(user)
    ]


async def sources_for(user: Any) -> list[Source]:
    """Every server the person's chats connect to: from settings, the admin, their own."""
    found = configured()
    taken = {s.connection.name for s in found}
    for source in await _stored(user):
        if source.connection.name not in taken:
            taken.add(source.connection.name)
            found.append(source)
    return found


async def connect(
    holder: McpHolder, connection: McpConnection, *, personal: bool = False
) -> McpLink:
    """Connects (again) and runs on_mcp_connect; raises McpDefinitionError or
    McpConnectError with a message for people. A person's own HTTP server must be at a
    host CHAT_MCP_ALLOWED_HOSTS allows."""
    policy.check(connection, stdio_allowed=settings.CHAT_MCP_STDIO_ALLOWED)
    pin = None
    if personal and not isinstance(connection, StdioMcpConnection):
        # Reached at the address checked: a name that resolves elsewhere a moment later
        # (DNS rebinding) does not get the connection to a private address.
        pin = await policy.check_personal_url(connection.url, settings.CHAT_MCP_ALLOWED_HOSTS)
    if connection.name in holder.mcp_links:
        await disconnect(holder, connection.name)
    link = await McpLink.open(
        connection,
        connect_timeout=settings.CHAT_MCP_CONNECT_TIMEOUT,
        call_timeout=settings.CHAT_MCP_CALL_TIMEOUT,
        pin=pin,
    )
    holder.mcp_links[connection.name] = link
    holder.mcp_sessions[connection.name] = (link.session, link.exit_stack)
    holder.mcp_failures.pop(connection.name, None)
    if hooks.on_mcp_connect is not None:
        await call_hook(hooks.on_mcp_connect, connection, link.session)
    return link


async def disconnect(holder: McpHolder, name: str) -> None:
    """Runs on_mcp_disconnect, then closes the connection."""
    link = holder.mcp_links.pop(name, None)
    holder.mcp_sessions.pop(name, None)
    if link is None:
        return
    try:
        if hooks.on_mcp_disconnect is not None:
            await call_hook(hooks.on_mcp_disconnect, name, link.session)
    finally:
        await link.close()


async def connect_all(holder: McpHolder, sources: list[Source]) -> None:
    """Connects each server in turn; one that fails is reported and the others go on."""
    for source in sources:
        connection = source.connection
        try:
            await connect(holder, connection, personal=source.personal)
        except (McpDefinitionError, McpConnectError) as error:
            logger.warning("MCP server %s: %s", connection.name, error)
            holder.mcp_failures[connection.name] = str(error)
            await holder.emitter.send_toast(
                _("Tools of %(name)s are unavailable: %(error)s")
                % {"name": connection.name, "error": error},
                "warning",
            )


async def close_all(holder: McpHolder) -> None:
    """The session ends: every connection closes (no hook: the chat is gone)."""
    links = list(holder.mcp_links.values())
    holder.mcp_links.clear()
    holder.mcp_sessions.clear()
    for link in links:
        await link.close()
