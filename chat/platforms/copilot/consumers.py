"""The panel's socket: the chat's own consumer, signed in by the page's ticket.

A frame of another site gets no session cookie, so the page carries a signed ticket for
its user and thread; with no valid ticket the socket falls back to the session (a panel
on the same site).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async

from chat.platforms.copilot.panel import host_language
from chat.platforms.copilot.tokens import socket_user
from chat.web.consumers import ChatConsumer


class CopilotConsumer(ChatConsumer):
    async def connect(self) -> None:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        ticket = (query.get("ticket") or [""])[0]
        if ticket:
            thread_id = self.scope["url_route"]["kwargs"]["thread_id"]
            user = await sync_to_async(socket_user)(ticket, thread_id)
            if user is not None:
                self.scope["user"] = user
        await super().connect()

    def _language(self, user: Any) -> str:
        """The host page's language, as the panel's page was rendered in, else the usual."""
        query = parse_qs(self.scope.get("query_string", b"").decode())
        return host_language((query.get("lang") or [""])[0]) or super()._language(user)
