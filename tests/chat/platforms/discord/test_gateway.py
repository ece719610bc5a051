"""Discord messages and mentions, read from a local fake of Discord's Gateway (hello,
identify, heartbeats, dispatches) and answered through a fake of its REST API."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from websockets.asyncio.server import serve

from chat.models import Message, PlatformAccount
from chat.platforms.discord import gateway
from tests.chat.platforms.fakes import FakeApi
from tests.drivers import wait_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

BOT_TOKEN = "bot-token-1"
BOT_ID = "B0T"


class FakeGateway:
    """Discord's end of the Gateway: checks the identify, then sends what it is given."""

    def __init__(self) -> None:
        self.outbox: asyncio.Queue[dict] = asyncio.Queue()
        self.identified: list[dict] = []
        self.heartbeats = 0
        self.url = ""
        self.sequence = 0

    async def handler(self, websocket) -> None:
        await websocket.send(json.dumps({"op": 10, "d": {"heartbeat_interval": 200}}))
        identify = json.loads(await websocket.recv())
        assert identify["op"] == 2
        self.identified.append(identify["d"])
        if identify["d"]["token"] != BOT_TOKEN:
            await websocket.close(4004, "Authentication failed")
            return
        await self.dispatch(websocket, "READY", {"user": {"id": BOT_ID, "bot": True}})

        async def send_all() -> None:
            while True:
                kind, data = await self.outbox.get()
                await self.dispatch(websocket, kind, data)

        sender = asyncio.ensure_future(send_all())
        try:
            async for raw in websocket:
                if json.loads(raw)["op"] == 1:
                    self.heartbeats += 1
                    await websocket.send(json.dumps({"op": 11}))
        finally:
            sender.cancel()

    async def dispatch(self, websocket, kind: str, data: dict) -> None:
        self.sequence += 1
        await websocket.send(json.dumps({"op": 0, "t": kind, "s": self.sequence, "d": data}))

    def message(self, content: str, *, guild: bool = True, mentions=(BOT_ID,), author="D-ALICE"):
        data = {
            "id": uuid.uuid4().hex[:12],
            "channel_id": "CH9",
            "author": {"id": author, "username": author.lower()},
            "content": content,
            "mentions": [{"id": m} for m in mentions],
            "attachments": [],
        }
        if guild:
            data["guild_id"] = "G1"
        self.outbox.put_nowait(("MESSAGE_CREATE", data))
        return data


class FakeRest(FakeApi):
    def __init__(self, socket: FakeGateway) -> None:
        self.socket = socket
        self.ids = 0
        self.history: list[dict] | int | None = None  # the channel's messages, or a refusal
        super().__init__(self.answer)

    def answer(self, call):
        if call.headers.get("authorization") != f"Bot {BOT_TOKEN}":
            return 401, {"message": "401: Unauthorized"}
        if call.path.endswith("/gateway/bot"):
            return 200, {"url": self.socket.url, "shards": 1}
        if call.method == "GET" and call.path.endswith("/messages"):
            if isinstance(self.history, int):
                return self.history, {"message": "Missing Access", "code": 50001}
            # Newest first, as Discord lists them.
            return 200, list(reversed(self.history or []))
        if call.method == "POST":
            self.ids += 1
            return 200, {"id": f"M{self.ids}", **(call.body or {})}
        return 200, {"id": call.path.rsplit("/", 1)[-1], **(call.body or {})}

    def contents(self) -> list[str]:
        return [
            (c.body or {}).get("content", "")
            for c in list(self.calls)
            if "/channels/CH9/messages" in c.path and c.method in ("POST", "PATCH")
        ]


@pytest.fixture
async def discord_gateway(conversations):
    socket = FakeGateway()
    async with serve(socket.handler, "127.0.0.1", 0) as server:
        socket.url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        with (
            FakeRest(socket) as rest,
            override_settings(
                CHAT_DISCORD_BOT_TOKEN=BOT_TOKEN,
                CHAT_DISCORD_API_URL=rest.url + "/api/v10",
                CHAT_PLATFORM_EDIT_SECONDS=0.2,
            ),
        ):
            stop = asyncio.Event()
            running = asyncio.ensure_future(gateway.serve(stop))
            await wait_for(lambda: socket.identified, what="the bot identified")
            yield socket, rest
            stop.set()
            await asyncio.wait_for(running, timeout=10)


@pytest.fixture
def alice(db):
    user = make_user(email="alice@example.com", display_name="Alice")
    PlatformAccount.objects.create(platform="discord", external_id="D-ALICE", user=user)
    return user


async def final(rest: FakeRest, containing: str) -> str:
    found: list[str] = []

    def done() -> bool:
        found[:] = [c for c in rest.contents() if containing in c and "…" not in c]
        return bool(found)

    await wait_for(done, what=f"a final Discord message with {containing!r}")
    return found[-1]


async def test_a_mention_in_a_channel_is_answered_there(discord_gateway, alice):
    socket, rest = discord_gateway
    assert socket.identified[0]["intents"] & (1 << 15)  # the message content intent
    socket.message(f"<@{BOT_ID}> hello from the channel")
    answer = await final(rest, "hello from the channel")
    assert answer == "echo from discord: hello from the channel"
    asked = await Message.objects.select_related("thread").aget(author_kind="user")
    assert asked.content == "hello from the channel"
    assert asked.thread.external_id == "CH9:D-ALICE"  # the conversation /ask uses too


async def test_a_direct_message_needs_no_mention(discord_gateway, alice):
    socket, rest = discord_gateway
    socket.message("just between us", guild=False, mentions=())
    assert await final(rest, "just between us") == "echo from discord: just between us"


async def test_channel_messages_not_for_the_bot_and_bots_own_are_left_alone(discord_gateway, alice):
    socket, rest = discord_gateway
    socket.message("talking to someone else", mentions=())
    socket.message(f"<@{BOT_ID}> from a bot", author=BOT_ID)
    socket.message(f"<@{BOT_ID}> the one for the bot")
    await final(rest, "the one for the bot")
    assert not [c for c in rest.contents() if "someone else" in c or "from a bot" in c]
    assert await Message.objects.filter(author_kind="user").acount() == 1


async def test_the_heartbeat_is_kept(discord_gateway, alice):
    socket, _ = discord_gateway
    await wait_for(lambda: socket.heartbeats >= 2, what="two heartbeats")


def test_the_command_says_what_it_needs_without_the_token():
    with override_settings(CHAT_DISCORD_BOT_TOKEN=""), pytest.raises(CommandError, match="TOKEN"):
        call_command("discord_gateway")


async def test_a_channels_earlier_messages_are_in_the_chat_context(discord_gateway, alice):
    socket, rest = discord_gateway
    rest.history = [
        {"id": "1", "content": "the build is red", "author": {"id": "D-BOB", "username": "bob"}},
        {
            "id": "2",
            "content": "<@D-BOB> since the upgrade?",
            "author": {"id": "D-CAROL", "username": "carol", "global_name": "Carol"},
            "mentions": [{"id": "D-BOB", "username": "bob"}],
        },
        {"id": "3", "content": "Earlier answer", "author": {"id": BOT_ID, "bot": True}},
    ]
    asked = socket.message(f"<@{BOT_ID}> what came before")
    answer = await final(rest, "context:")
    assert answer == (
        "context: user: the build is red | user: @bob since the upgrade? | "
        "assistant: Earlier answer | user: what came before"
    )
    (read,) = [c for c in rest.calls if c.method == "GET" and c.path.endswith("/messages")]
    assert read.path == "/api/v10/channels/CH9/messages"
    assert read.query == {"before": asked["id"], "limit": "50"}
    kept = [m async for m in Message.objects.filter(metadata__earlier_in_platform=True)]
    assert [m.author_name for m in kept] == ["bob", "Carol", "B0T"]

    # Read once, when the conversation starts.
    socket.message(f"<@{BOT_ID}> and again")
    await final(rest, "and again")
    assert len([c for c in rest.calls if c.method == "GET" and "/messages" in c.path]) == 1


async def test_a_history_discord_refuses_leaves_the_answer_to_come(discord_gateway, alice):
    socket, rest = discord_gateway
    rest.history = 403
    socket.message(f"<@{BOT_ID}> what came before")
    assert await final(rest, "context:") == "context: user: what came before"
