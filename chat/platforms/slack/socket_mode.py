"""Slack's Socket Mode: the site opens a websocket to Slack instead of Slack posting to a
public URL, so a company behind a firewall can run the Slack bot.

`python manage.py slack_socket_mode` (CHAT_SLACK_APP_TOKEN, the app-level `xapp-` token with
`connections:write`) asks Slack for a socket URL (apps.connections.open), acknowledges
every envelope at once, and hands events and button clicks to the same code as the HTTP
endpoints. slack_sdk's client reconnects when Slack asks it to or the socket drops.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from django.conf import settings
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.socket_mode.websockets import SocketModeClient
from slack_sdk.web.async_client import AsyncWebClient

from chat.platforms import guard
from chat.platforms.headless import in_background
from chat.platforms.slack import service

logger = logging.getLogger(__name__)


async def dispatch(kind: str, payload: dict[str, Any]) -> None:
    """What an envelope carries, handed on as the HTTP endpoints hand it on."""
    if kind == "events_api":
        event, event_id = payload.get("event"), payload.get("event_id")
        if not isinstance(event, dict) or not isinstance(event_id, str):
            return
        # Slack redelivers an envelope it thinks went unacknowledged: the same event.
        if not await guard.first_time("slack", event_id):
            return
        if service.wanted(event):
            in_background(service.on_event(event, event_id), name=f"slack-event-{event_id}")
        elif service.wanted_reaction(event):
            in_background(service.on_reaction(event), name=f"slack-reaction-{event_id}")
    elif kind == "interactive":
        try:
            click = service.Click.from_payload(payload)
        except (ValueError, KeyError, TypeError, AttributeError):
            return
        if await guard.first_time("slack", f"click:{click.key}"):
            in_background(service.on_click(click), name=f"slack-click-{click.key}")


async def _on_request(client: SocketModeClient, request: SocketModeRequest) -> None:
    # Acknowledged first: Slack waits 3 s for it, and the answer takes longer.
    await client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
    payload = request.payload if isinstance(request.payload, dict) else {}
    try:
        await dispatch(request.type, payload)
    except Exception:
        logger.exception("A Slack %s envelope could not be handled", request.type)


def make_client() -> SocketModeClient:
    web = AsyncWebClient(
        token=settings.CHAT_SLACK_BOT_TOKEN, base_url=settings.CHAT_SLACK_API_URL, timeout=15
    )
    client = SocketModeClient(app_token=settings.CHAT_SLACK_APP_TOKEN, web_client=web)
    client.socket_mode_request_listeners.append(_on_request)
    return client


async def serve(stop: asyncio.Event) -> None:
    """Connected to Slack until `stop` is set."""
    client = make_client()
    await client.connect()
    logger.info("Slack socket mode connected")
    try:
        await stop.wait()
    finally:
        await client.close()
