"""The part of ChatSession that connects its tool servers and answers the composer's panel:
the person's servers with their state, add, reconnect, remove, switch off.

Hooks (on_mcp_connect, on_mcp_disconnect) run in the session's queue, in its context, as
every other hook does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from asgiref.sync import sync_to_async
from django.utils.translation import gettext as _

from chat.engine import mcp_links
from chat.errors import UserFacingError
from chat.mcp.connections import McpDefinitionError, StdioMcpConnection
from chat.mcp.link import McpConnectError
from chat.mcp_servers import store
from chat.rendering import mcp_panel
from chat.threads import switches


class McpOff(UserFacingError):
    """The thread's profile turned tool servers off."""


def _shown_target(source: mcp_links.Source) -> str:
    connection = source.connection
    if isinstance(connection, StdioMcpConnection):
        return " ".join([connection.command, *connection.args])
    parts = urlsplit(connection.url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"  # never a query's token


class McpPanel:
    """Mixed into ChatSession (see session.py for what `self` has)."""

    async def _open_mcp(self: Any) -> None:
        self.mcp_sources: list[mcp_links.Source] = []
        self.mcp_connecting: set[str] = set()
        if not self._mcp_on():
            return
        self.mcp_sources = await mcp_links.sources_for(self.user)
        self.mcp_connecting = {s.connection.name for s in self.mcp_sources}
        await self._push_mcp_panel()
        self._spawn_run(self._invoke(self._connect_sources, list(self.mcp_sources)), "mcp")

    def _mcp_on(self: Any) -> bool:
        """The assistant takes tool servers and the thread's profile leaves them on."""
        return mcp_links.enabled() and switches.mcp_on(self.switch_metadata)

    async def _close_mcp(self: Any) -> None:
        """The thread's profile turned tool servers off: its connections close as with a
        chat that ends (the button goes with the profile's other switches)."""
        self.mcp_sources, self.mcp_connecting = [], set()
        await mcp_links.close_all(self)

    async def _connect_sources(self: Any, sources: list[mcp_links.Source]) -> None:
        try:
            await mcp_links.connect_all(self, sources)
        finally:
            self.mcp_connecting.difference_update(s.connection.name for s in sources)
            await self._push_mcp_panel()

    # -- the panel ------------------------------------------------------------------------
    async def _mcp_rows(self: Any) -> list[dict[str, Any]]:
        entries = {e.name: e for e in await sync_to_async(store.entries_for)(self.user)}
        rows = []
        names = [s.connection.name for s in mcp_links.configured()]
        names += [n for n in entries if n not in names]
        for name in names:
            entry = entries.get(name)
            source = next((s for s in self.mcp_sources if s.connection.name == name), None)
            link = self.mcp_links.get(name)
            if entry is not None and entry.disabled:
                state = "off"
            elif name in self.mcp_connecting:
                state = "connecting"
            elif link is not None and link.alive:
                state = "connected"
            elif name in self.mcp_failures:
                state = "failed"
            else:
                state = "idle"
            rows.append(
                {
                    "name": name,
                    "id": entry.id if entry else None,
                    "type": entry.type if entry else (source.connection.type if source else ""),
                    "target": entry.target.split("?")[0]
                    if entry
                    else (_shown_target(source) if source else ""),
                    "company": entry.company if entry else True,
                    "may_disable": bool(entry and entry.may_disable),
                    "secrets": list(zip(entry.secret_names, entry.masked_secrets, strict=True))
                    if entry and not entry.company
                    else [],
                    "state": state,
                    "error": self.mcp_failures.get(name, ""),
                    "tools": len(link.tools) if link is not None and link.alive else 0,
                }
            )
        return rows

    async def _push_mcp_panel(
        self: Any, form_error: str = "", values: dict[str, str] | None = None
    ) -> None:
        rows = await self._mcp_rows()
        await self.emitter.push(
            mcp_panel.render(rows, form_error=form_error, values=values or {}, oob=True)
        )

    # -- what the person does -------------------------------------------------------------
    async def mcp_panel_request(self: Any, action: str, fields: dict[str, str]) -> None:
        if not mcp_links.enabled():
            return
        await self._follow_stored_switches()
        if not switches.mcp_on(self.switch_metadata):
            raise McpOff(_("Tool servers are off in this chat."))
        try:
            if action == "add":
                await self._add_mcp(fields)
            elif action == "remove":
                name = await sync_to_async(store.remove_personal)(self.user, _id(fields))
                self.mcp_sources = [s for s in self.mcp_sources if s.connection.name != name]
                self._spawn_run(self._invoke(self._drop_mcp, name), "mcp")
            elif action == "reconnect":
                await self._reconnect_mcp(fields.get("name", ""))
            elif action == "switch":
                on = fields.get("on") == "on"
                server = await sync_to_async(store.switch)(self.user, _id(fields), on=on)
                if on:
                    await self._reconnect_mcp(server.name, reload=True)
                else:
                    self._spawn_run(self._invoke(self._drop_mcp, server.name), "mcp")
        except McpDefinitionError as error:
            await self._push_mcp_panel(form_error=str(error))

    async def _add_mcp(self: Any, fields: dict[str, str]) -> None:
        kind = fields.get("server_type", "")
        data: dict[str, Any] = {"name": fields.get("name", ""), "type": kind}
        if kind == "stdio":
            data["command"] = fields.get("command", "").strip()
            data["args"] = [a.strip() for a in fields.get("args", "").splitlines() if a.strip()]
        else:
            data["url"] = fields.get("url", "").strip()
            data["headers"] = store.parse_headers(fields.get("headers", ""))
        values = {k: v for k, v in fields.items() if k != "headers"}  # never sent back
        try:
            connection = await sync_to_async(store.check_new_personal)(self.user, data)
        except McpDefinitionError as error:
            await self._push_mcp_panel(form_error=str(error), values=values)
            return
        self.mcp_connecting.add(connection.name)
        await self._push_mcp_panel()
        self._spawn_run(self._invoke(self._connect_new, connection, values), "mcp")

    async def _connect_new(self: Any, connection: Any, values: dict[str, str]) -> None:
        """Stored only once it connects: a server that fails says why, and nothing stays."""
        error = ""
        try:
            await mcp_links.connect(self, connection, personal=True)
            server = await sync_to_async(store.add_personal)(self.user, connection)
            self.mcp_sources.append(
                mcp_links.Source(connection, personal=True, server_id=server.pk)
            )
        except (McpDefinitionError, McpConnectError) as failure:
            error = _("%(name)s could not be added: %(error)s") % {
                "name": connection.name,
                "error": failure,
            }
            await mcp_links.disconnect(self, connection.name)
        finally:
            self.mcp_connecting.discard(connection.name)
        await self._push_mcp_panel(form_error=error, values=values if error else None)

    async def _reconnect_mcp(self: Any, name: str, *, reload: bool = False) -> None:
        if reload:
            self.mcp_sources = await mcp_links.sources_for(self.user)
        source = next((s for s in self.mcp_sources if s.connection.name == name), None)
        if source is None:
            raise McpDefinitionError(_("There is no server named %(name)s.") % {"name": name})
        self.mcp_connecting.add(name)
        await self._push_mcp_panel()
        self._spawn_run(self._invoke(self._connect_sources, [source]), "mcp")

    async def _drop_mcp(self: Any, name: str) -> None:
        try:
            await mcp_links.disconnect(self, name)
        finally:
            self.mcp_failures.pop(name, None)
            await self._push_mcp_panel()


def _id(fields: dict[str, str]) -> int:
    try:
        return int(fields.get("server", ""))
    except ValueError:
        raise McpDefinitionError(_("That server is not available to you.")) from None
