"""The three kinds of MCP connection, named and shaped as Chainlit's (`chainlit.mcp`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# Chainlit's names for the transports (its `clientType`).
STDIO = "stdio"
SSE = "sse"
HTTP = "streamable-http"
TYPES = (STDIO, SSE, HTTP)
MAX_NAME_LENGTH = 64


class McpDefinitionError(ValueError):
    """A connection that cannot be made as described; the message says why, for people."""


class _NamedByClientType:
    """Chainlit names a connection's transport both `clientType` and `type`."""

    clientType: str

    @property
    def type(self) -> str:
        return self.clientType


@dataclass(frozen=True)
class StdioMcpConnection(_NamedByClientType):
    """A server started as a local process, spoken to over its stdin and stdout."""

    name: str
    command: str
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    clientType: Literal["stdio"] = STDIO


@dataclass(frozen=True)
class SseMcpConnection(_NamedByClientType):
    """A server reached over HTTP with server-sent events (the older transport)."""

    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    clientType: Literal["sse"] = SSE


@dataclass(frozen=True)
class HttpMcpConnection(_NamedByClientType):
    """A server reached over streamable HTTP (the current transport)."""

    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    clientType: Literal["streamable-http"] = HTTP


McpConnection = StdioMcpConnection | SseMcpConnection | HttpMcpConnection


def _strings(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise McpDefinitionError(f"{what} must map names to text values.")
    return dict(value)


def from_dict(data: dict[str, Any]) -> McpConnection:
    """A connection from its stored or configured form; refuses anything malformed."""
    if not isinstance(data, dict):
        raise McpDefinitionError("An MCP server is described by an object.")
    name = str(data.get("name") or "").strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise McpDefinitionError(
            f"An MCP server needs a name of 1 to {MAX_NAME_LENGTH} characters."
        )
    kind = data.get("type") or data.get("clientType") or ""
    if kind not in TYPES:
        raise McpDefinitionError(
            f"The MCP server {name!r} has the type {kind!r}: use one of {', '.join(TYPES)}."
        )
    if kind == STDIO:
        command = str(data.get("command") or "").strip()
        args = data.get("args") or []
        if not command:
            raise McpDefinitionError(f"The MCP server {name!r} needs a command.")
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            raise McpDefinitionError(f"The arguments of {name!r} must be a list of text.")
        return StdioMcpConnection(
            name=name, command=command, args=list(args), env=_strings(data.get("env"), "env")
        )
    url = str(data.get("url") or "").strip()
    if not url.startswith(("http://", "https://")):
        raise McpDefinitionError(f"The MCP server {name!r} needs an http:// or https:// URL.")
    headers = _strings(data.get("headers"), "headers")
    cls = SseMcpConnection if kind == SSE else HttpMcpConnection
    return cls(name=name, url=url, headers=headers)


def to_dict(connection: McpConnection) -> dict[str, Any]:
    """The stored form (secrets included: callers decide what to show)."""
    if isinstance(connection, StdioMcpConnection):
        return {
            "name": connection.name,
            "type": STDIO,
            "command": connection.command,
            "args": list(connection.args),
            "env": dict(connection.env),
        }
    return {
        "name": connection.name,
        "type": connection.type,
        "url": connection.url,
        "headers": dict(connection.headers),
    }
