"""What may be connected to: executables on the allow-list, hosts on the allow-list.

Company servers (from settings or the admin) are trusted for their hosts; a stdio server,
whoever defined it, starts only an allowed executable, directly (never through a shell).
"""

from __future__ import annotations

import asyncio
import fnmatch
import ipaddress
import os
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from chat.mcp.connections import McpConnection, McpDefinitionError, StdioMcpConnection


class McpRefused(McpDefinitionError):
    """The settings do not allow this connection."""


def check_executable(connection: StdioMcpConnection, allowed: Iterable[str]) -> None:
    """The command must be one of `allowed` exactly: a bare name there allows that name
    (looked up on PATH), an absolute path allows that path; nothing else runs."""
    allowed = [a for a in allowed if a]
    command = connection.command
    if not allowed:
        raise McpRefused(
            f"Starting local MCP servers is off here, so {connection.name!r} was not started "
            "(CHAT_MCP_STDIO_ALLOWED lists the programs that may be)."
        )
    if command not in allowed or (os.sep not in command and not command.isprintable()):
        raise McpRefused(
            f"The program {command!r} may not be started as an MCP server; allowed: "
            f"{', '.join(allowed)}."
        )


def host_allowed(host: str, patterns: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(fnmatch.fnmatchcase(host, p.lower().rstrip(".")) for p in patterns if p)


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global


async def check_personal_url(url: str, patterns: Iterable[str]) -> str | None:
    """A person's own HTTP/SSE server: its host must match a pattern of
    CHAT_MCP_ALLOWED_HOSTS, and every address the host resolves to must be public unless
    the host is listed literally (a wildcard never lets a name point at 127.0.0.1 or a
    private network). Returns the address checked, for the connection to use (pinned:
    a second lookup could answer differently), or None for a host listed literally."""
    patterns = [p for p in patterns if p]
    host = (urlsplit(url).hostname or "").lower()
    if not patterns:
        raise McpRefused("Adding your own HTTP MCP servers is off here.")
    if not host or not host_allowed(host, patterns):
        raise McpRefused(f"The host {host or url!r} is not one MCP servers may be reached at.")
    if host in (p.lower() for p in patterns):
        return None
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError as error:
        raise McpRefused(f"The host {host!r} could not be found ({error}).") from error
    internal = sorted({info[4][0] for info in infos if _is_internal(info[4][0])})
    if internal:
        raise McpRefused(f"The host {host!r} points at a private address ({', '.join(internal)}).")
    return infos[0][4][0]


def check(connection: McpConnection, *, stdio_allowed: Iterable[str]) -> None:
    """What every connection must pass, whoever defined it."""
    if isinstance(connection, StdioMcpConnection):
        check_executable(connection, stdio_allowed)
