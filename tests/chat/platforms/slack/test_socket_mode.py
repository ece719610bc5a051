"""Slack's Socket Mode against a local fake of Slack: apps.connections.open over HTTP, then
envelopes over a websocket, each acknowledged, answered through the Web API."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from websockets.asyncio.server import serve

from chat.models import Message
from chat.platforms.slack import socket_mode
from tests.chat.platforms.slack.test_slack import FakeSlack, final_text
from tests.drivers import wait_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

APP_TOKEN = "xapp-1-test"


class SlackSocket:
    """Slack's end of the socket: says hello, sends the envelopes it is given, keeps acks."""

    def __init__(self) -> None:
        self.outbox: asyncio.Queue[dict] = asyncio.Queue()
        self.acks: list[str] = []
        self.connections = 0
        self.url = ""

    async def handler(self, websocket) -> None:
        self.connections += 1
        await websocket.send(json.dumps({"type": "hello", "num_connections": 1}))

        async def send_all() -> None:
            while True:
                await websocket.send(json.dumps(await self.outbox.get()))

        sender = asyncio.ensure_future(send_all())
        try:
            async for raw in websocket:
                self.acks.append(json.loads(raw)["envelope_id"])
        finally:
            sender.cancel()

    def send(self, kind: str, payload: dict) -> str:
        envelope_id = uuid.uuid4().hex
        self.outbox.put_nowait(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": False,
            }
        )
        return envelope_id


class SocketSlack(FakeSlack):
    def __init__(self, socket: SlackSocket) -> None:
        self.socket = socket
        super().__init__()

    def answer(self, call):
        if call.path.endswith("apps.connections.open"):
            if call.headers.get("authorization") != f"Bearer {APP_TOKEN}":
                return 200, {"ok": False, "error": "invalid_auth"}
            return 200, {"ok": True, "url": self.socket.url}
        return super().answer(call)


@pytest.fixture
async def slack_socket(conversations):
    socket = SlackSocket()
    async with serve(socket.handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        socket.url = f"ws://127.0.0.1:{port}/link/?ticket=t1"
        with (
            SocketSlack(socket) as fake,
            override_settings(
                CHAT_SLACK_SIGNING_SECRET="",
                CHAT_SLACK_APP_TOKEN=APP_TOKEN,
                CHAT_SLACK_BOT_TOKEN="xoxb-test",
                CHAT_SLACK_API_URL=fake.url + "/api/",
                CHAT_PLATFORM_EDIT_SECONDS=0.2,
            ),
        ):
            stop = asyncio.Event()
            running = asyncio.ensure_future(socket_mode.serve(stop))
            await wait_for(lambda: socket.connections == 1, what="the socket opened")
            yield socket, fake
            stop.set()
            await asyncio.wait_for(running, timeout=10)


@pytest.fixture
def alice(db):
    return make_user(email="alice@example.com", display_name="Alice")


def mention_payload(text: str, *, ts: str = "700.000001") -> dict:
    event = {
        "type": "app_mention",
        "user": "UALICE",
        "text": f"<@UBOT> {text}",
        "channel": "C1",
        "ts": ts,
    }
    return {"type": "event_callback", "event_id": f"Ev{uuid.uuid4().hex[:10]}", "event": event}


async def test_a_mention_over_the_socket_is_acknowledged_and_answered(slack_socket, alice):
    socket, fake = slack_socket
    envelope = socket.send("events_api", mention_payload("hello over the socket"))

    await wait_for(lambda: envelope in socket.acks, what="the envelope acknowledged")
    answer = await final_text(fake, "hello over the socket")
    assert answer["text"].startswith("echo from slack: hello over the socket")
    assert fake.posts()[0]["thread_ts"] == "700.000001"
    # The socket URL came from apps.connections.open, asked with the app-level token.
    assert fake.named("apps.connections.open")


async def test_an_envelope_slack_sends_again_is_answered_once(slack_socket, alice):
    socket, fake = slack_socket
    payload = mention_payload("only once")
    first = socket.send("events_api", payload)
    await final_text(fake, "only once")
    again = socket.send("events_api", payload)
    await wait_for(lambda: again in socket.acks, what="the repeat acknowledged")
    assert first in socket.acks
    await asyncio.sleep(0.3)
    asked = Message.objects.filter(author_kind="user", content="only once")
    assert await asked.acount() == 1
    assert len(fake.posts()) == 1


async def test_a_button_click_over_the_socket_runs_its_callback(slack_socket, alice):
    socket, fake = slack_socket
    socket.send("events_api", mention_payload("buttons", ts="800.000001"))
    choose = await final_text(fake, "Choose one")
    button = next(b for b in choose["blocks"] if b["type"] == "actions")["elements"][0]
    socket.send(
        "interactive",
        {
            "type": "block_actions",
            "user": {"id": "UALICE"},
            "channel": {"id": "C1"},
            "message": {"ts": "801.000001", "thread_ts": "800.000001"},
            "actions": [{"value": button["value"], "action_ts": "802.1"}],
            "trigger_id": uuid.uuid4().hex,
        },
    )
    await final_text(fake, "picked 1")


def test_the_command_says_what_it_needs_without_its_tokens():
    with override_settings(CHAT_SLACK_APP_TOKEN=""), pytest.raises(CommandError, match="xapp"):
        call_command("slack_socket_mode")


async def test_a_reaction_over_the_socket_reaches_on_slack_reaction_added(
    slack_socket, monkeypatch
):
    import chat.sdk as cl
    from chat.engine.registry import hooks

    socket, _ = slack_socket
    seen: list[dict] = []
    monkeypatch.setattr(hooks, "on_slack_reaction_added", None)

    @cl.on_slack_reaction_added
    def reacted(event):
        seen.append(event)

    event = {
        "type": "reaction_added",
        "user": "UALICE",
        "reaction": "eyes",
        "item": {"type": "message", "channel": "C1", "ts": "700.000001"},
    }
    socket.send("events_api", {"type": "event_callback", "event_id": "EvR1", "event": event})
    await wait_for(lambda: seen, what="the reaction hook called")
    assert seen[0]["reaction"] == "eyes"
