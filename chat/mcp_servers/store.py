"""Which servers a person's chats connect to, and the changes a person may make.

Every function takes the person and checks what they may see or change here: nobody reads,
changes or removes another person's servers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from chat.mcp.connections import McpConnection, McpDefinitionError, from_dict
from chat.mcp_servers.models import McpServer, McpServerOptOut
from chat.mcp_servers.secrets import masked, seal, unseal

MAX_PERSONAL = 20
MAX_HEADERS = 20


class McpServerRefused(McpDefinitionError):
    """A change this person may not make; the message says why."""


@dataclass(frozen=True)
class Entry:
    """One server as the person's panel shows it."""

    id: int
    name: str
    type: str
    target: str  # the URL, or the command line
    company: bool
    may_disable: bool
    disabled: bool  # switched off by this person
    secret_names: tuple[str, ...]  # header names (values are never shown)
    masked_secrets: tuple[str, ...]


def visible(user: Any) -> QuerySet[McpServer]:
    """The enabled company servers for everyone or the person's groups, and their own."""
    company = Q(owner__isnull=True, enabled=True) & (
        Q(groups__isnull=True) | Q(groups__in=user.groups.all())
    )
    return McpServer.objects.filter(company | Q(owner=user, enabled=True)).distinct()


def connection_of(server: McpServer) -> McpConnection:
    secret = unseal(server.secrets)
    return from_dict(
        {
            "name": server.name,
            "type": server.type,
            "url": server.url,
            "headers": secret.get("headers") or {},
            "command": server.command,
            "args": server.args,
            "env": secret.get("env") or {},
        }
    )


def definitions_for(user: Any) -> list[tuple[McpServer, McpConnection]]:
    """What the person's chats connect to: visible, and not switched off by them."""
    off = set(McpServerOptOut.objects.filter(user=user).values_list("server_id", flat=True))
    found = []
    for server in visible(user).order_by("owner_id", "name"):
        if server.pk in off and server.user_may_disable:
            continue
        try:
            found.append((server, connection_of(server)))
        except McpDefinitionError:
            continue  # an admin's half-made entry: shown in the panel as failed
    return found


def entries_for(user: Any) -> list[Entry]:
    off = set(McpServerOptOut.objects.filter(user=user).values_list("server_id", flat=True))
    entries = []
    for server in visible(user).order_by("owner_id", "name"):
        headers = unseal(server.secrets).get("headers") or {}
        target = (
            server.url
            if server.type != McpServer.Kind.STDIO
            else " ".join([server.command, *server.args])
        )
        entries.append(
            Entry(
                id=server.pk,
                name=server.name,
                type=server.type,
                target=target,
                company=server.is_company,
                may_disable=server.is_company and server.user_may_disable,
                disabled=server.pk in off and server.user_may_disable,
                secret_names=tuple(headers),
                masked_secrets=tuple(masked(v) for v in headers.values()),
            )
        )
    return entries


def parse_headers(text: str) -> dict[str, str]:
    """ "Name: value" lines, as people paste them."""
    headers: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not name or any(c in name for c in " \t") or not value:
            raise McpServerRefused(f"Write each header as Name: value ({line.strip()[:40]!r}).")
        headers[name] = value
    if len(headers) > MAX_HEADERS:
        raise McpServerRefused(f"At most {MAX_HEADERS} headers.")
    return headers


def check_new_personal(user: Any, data: dict[str, Any]) -> McpConnection:
    """The person's new server as a connection; refuses a malformed one, a name taken, or
    one too many. (Hosts and programs are checked by the caller, by policy.)"""
    connection = from_dict(data)
    if visible(user).filter(name=connection.name).exists():
        raise McpServerRefused(f"There is already a server named {connection.name!r}.")
    if McpServer.objects.filter(owner=user).count() >= MAX_PERSONAL:
        raise McpServerRefused(f"At most {MAX_PERSONAL} servers of your own.")
    return connection


def add_personal(user: Any, connection: McpConnection) -> McpServer:
    fields = {"name": connection.name, "type": connection.type, "owner": user}
    secret: dict[str, Any] = {}
    if connection.type == McpServer.Kind.STDIO:
        fields.update(command=connection.command, args=list(connection.args))
        secret["env"] = dict(connection.env)
    else:
        fields["url"] = connection.url
        secret["headers"] = dict(connection.headers)
    try:
        with transaction.atomic():
            return McpServer.objects.create(secrets=seal(secret), **fields)
    except IntegrityError:
        raise McpServerRefused(f"There is already a server named {connection.name!r}.") from None


def remove_personal(user: Any, server_id: int) -> str:
    """Removes one of the person's own servers; returns its name."""
    server = McpServer.objects.filter(pk=server_id, owner=user).first()
    if server is None:
        raise McpServerRefused("That server is not one of yours.")
    server.delete()
    return server.name


def switch(user: Any, server_id: int, *, on: bool) -> McpServer:
    """A company server switched off (or on again) for this person, where allowed."""
    server = visible(user).filter(pk=server_id, owner__isnull=True).first()
    if server is None or not server.user_may_disable:
        raise McpServerRefused("That server cannot be switched off here.")
    if on:
        McpServerOptOut.objects.filter(user=user, server=server).delete()
    else:
        McpServerOptOut.objects.get_or_create(user=user, server=server)
    return server


def find_visible(user: Any, server_id: int) -> McpServer:
    server = visible(user).filter(pk=server_id).first()
    if server is None:
        raise McpServerRefused("That server is not available to you.")
    return server
