"""Discord messages and mentions, read from a local fake of Discord's Gateway (hello,
identify, heartbeats, dispatches) and answered through a fake of its REST API."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from chat.models import Message
from tests.chat.platforms.discord.conftest import final
from tests.chat.platforms.discord.fakes import BOT_ID
from tests.drivers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


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
    socket.message("just between us", guild=None, mentions=())
    assert await final(rest, "just between us") == "echo from discord: just between us"


async def test_channel_messages_not_for_the_bot_and_bots_own_are_left_alone(discord_gateway, alice):
    socket, rest = discord_gateway
    socket.message("talking to someone else", mentions=())
    socket.message(f"<@{BOT_ID}> from a bot", author=BOT_ID)
    socket.message(f"<@{BOT_ID}> the one for the bot")
    await final(rest, "the one for the bot")
    assert not [c for c in rest.contents() if "someone else" in c or "from a bot" in c]
    assert await Message.objects.filter(author_kind="user").acount() == 1


async def test_the_heartbeat_is_kept(make_discord, run_gateway, alice):
    async with make_discord(heartbeat_ms=200) as (socket, _):
        running = run_gateway()
        await wait_for(lambda: len(socket.heartbeats) >= 2, what="two heartbeats")
        await running.end()


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


async def test_the_bot_shows_it_is_typing_and_the_hooks_see_the_message(discord_gateway, alice):
    socket, rest = discord_gateway
    asked = socket.message(f"<@{BOT_ID}> what event")
    assert await final(rest, "event:") == f"event: {asked['id']}"
    assert rest.typing == ["CH9"]
