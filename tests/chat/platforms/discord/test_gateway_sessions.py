"""The Gateway's connection over time, against the fake of Discord's side: a dropped or
silent connection is resumed with nothing lost or answered twice, Discord's requests to
reconnect or identify afresh are followed, fatal refusals stop the command, and shards
each identify with their own part of the guilds."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from chat.models import Message
from chat.platforms.discord import gateway
from tests.chat.platforms.discord.fakes import (
    BOT_ID,
    BOT_TOKEN,
    GUILD_ON_SHARD_0,
    GUILD_ON_SHARD_1,
)
from tests.drivers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[4]


def ask(socket, text: str, **where) -> None:
    socket.message(f"<@{BOT_ID}> {text}", **where)


async def answered(rest, *texts: str) -> None:
    await wait_for(lambda: all(rest.answers_to(t) for t in texts), what=f"the answers to {texts}")


async def settled(socket, rest) -> None:
    """One more question, answered: everything before it has been handled."""
    ask(socket, "settle")
    await answered(rest, "settle")


async def test_a_dropped_connection_is_resumed_and_nothing_is_lost_or_answered_twice(
    discord_gateway, alice
):
    socket, rest = discord_gateway
    (session,) = socket.sessions
    for text in ("one", "two", "three"):
        ask(socket, text)
    await answered(rest, "one", "two", "three")
    last_seen = session.sequence

    ask(socket, "four")  # on its way when the connection is cut: never written
    socket.drop(session)
    ask(socket, "five")  # sent while the bot is away
    await answered(rest, "four", "five")

    assert socket.resumes == [{"token": BOT_TOKEN, "session_id": session.id, "seq": last_seen}]
    assert socket.connections == ["main", "resume"]  # at READY's resume_gateway_url
    assert len(socket.identified) == 1
    await settled(socket, rest)
    assert [rest.answers_to(t) for t in ("one", "two", "three", "four", "five")] == [1] * 5
    assert await Message.objects.filter(author_kind="user").acount() == 6


async def test_a_heartbeat_left_unacknowledged_reconnects_and_resumes(
    make_discord, run_gateway, quick_identify, alice
):
    async with make_discord(heartbeat_ms=200) as (socket, rest):
        running = run_gateway()
        await wait_for(lambda: socket.sessions, what="the bot identified")
        (session,) = socket.sessions
        ask(socket, "before")
        await answered(rest, "before")

        session.silent = True  # a zombie connection: open, but Discord no longer answers
        await wait_for(lambda: socket.resumes, what="a resume")
        # Not 1000 or 1001, which would end the session on Discord's side.
        assert socket.close_codes[0] not in (1000, 1001, None)
        assert socket.resumes[0]["session_id"] == session.id
        ask(socket, "after")
        await answered(rest, "after")
        assert len(socket.identified) == 1
        await running.end()


async def test_discord_asking_to_reconnect_is_resumed(discord_gateway, alice):
    socket, rest = discord_gateway
    (session,) = socket.sessions
    socket.op(session, 7)
    await wait_for(lambda: socket.resumes, what="a resume")
    assert socket.close_codes[0] not in (1000, 1001, None)
    assert socket.resumes[0]["seq"] == 1  # READY's
    ask(socket, "after a reconnect")
    await answered(rest, "after a reconnect")
    assert len(socket.identified) == 1


async def test_a_heartbeat_discord_asks_for_is_sent_at_once(discord_gateway, alice):
    socket, rest = discord_gateway
    (session,) = socket.sessions
    ask(socket, "numbered")
    await answered(rest, "numbered")
    beats = len(socket.heartbeats)
    socket.op(session, 1)
    await wait_for(lambda: len(socket.heartbeats) > beats, what="a heartbeat")
    assert socket.heartbeats[-1] == session.sequence


@pytest.mark.parametrize("when", ["answering a resume", "mid-session"])
async def test_an_invalid_session_identifies_afresh(discord_gateway, alice, when):
    socket, rest = discord_gateway
    (first,) = socket.sessions
    if when == "answering a resume":
        socket.refuse_next_resume = True
        socket.op(first, 7)
    else:
        socket.op(first, 9, False)
    await wait_for(lambda: len(socket.sessions) == 2, what="a new session")
    assert socket.identified[1]["token"] == BOT_TOKEN
    assert len(socket.resumes) == (1 if when == "answering a resume" else 0)
    ask(socket, "in the new session")
    await answered(rest, "in the new session")


async def test_a_session_timed_out_identifies_afresh(discord_gateway, alice):
    socket, rest = discord_gateway
    (first,) = socket.sessions
    await socket.close(first, 4009, "Session timed out.")
    await wait_for(lambda: len(socket.sessions) == 2, what="a new session")
    assert socket.resumes == []
    ask(socket, "after the timeout")
    await answered(rest, "after the timeout")


async def test_disallowed_intents_stop_the_gateway_with_discords_reason(
    make_discord, run_gateway, quick_identify
):
    async with make_discord() as (socket, _):
        socket.refuse_intents = True
        running = run_gateway()
        with pytest.raises(gateway.GatewayRefused, match="4014"):
            await running.task
        assert len(socket.identified) == 1  # not tried again


async def test_a_token_discord_refuses_stops_the_gateway(make_discord, run_gateway):
    async with make_discord() as (socket, _):
        with override_settings(CHAT_DISCORD_BOT_TOKEN="wrong"):
            running = run_gateway()
            with pytest.raises(gateway.GatewayRefused, match="token"):
                await running.task
        assert socket.identified == []


async def test_shards_in_one_process_each_identify_and_answer_their_guilds(
    make_discord, run_gateway, quick_identify, alice
):
    async with make_discord(max_concurrency=2) as (socket, rest):
        running = run_gateway([(0, 2), (1, 2)])
        await wait_for(lambda: len(socket.sessions) == 2, what="two shards")
        assert sorted(i["shard"] for i in socket.identified) == [[0, 2], [1, 2]]
        ask(socket, "from a guild of shard 0", guild=GUILD_ON_SHARD_0)
        ask(socket, "from a guild of shard 1", guild=GUILD_ON_SHARD_1)
        ask(socket, "directly", guild=None, mentions=())
        texts = ("from a guild of shard 0", "from a guild of shard 1")
        await wait_for(
            lambda: (
                all(rest.answers_to(t) for t in texts)
                and "echo from discord: directly" in rest.messages.values()
            ),
            what="each shard's answers",
        )
        assert [rest.answers_to(t) for t in texts] == [1, 1]
        await running.end()


async def test_auto_runs_as_many_shards_as_discord_recommends(
    make_discord, run_gateway, quick_identify, alice
):
    async with make_discord(recommended_shards=3, max_concurrency=3) as (socket, _):
        running = run_gateway("auto")
        await wait_for(lambda: len(socket.sessions) == 3, what="three shards")
        assert sorted(i["shard"] for i in socket.identified) == [[0, 3], [1, 3], [2, 3]]
        await running.end()


def test_shards_are_planned_from_the_options():
    assert gateway.plan_shards(None, None, None) is None
    assert gateway.plan_shards(1, 4, None) == [(1, 4)]
    assert gateway.plan_shards(None, None, "3") == [(0, 3), (1, 3), (2, 3)]
    assert gateway.plan_shards(None, None, "auto") == "auto"


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"shard_id": 2, "shard_count": 2}, "Shard id 2 is not one of 0 to 1"),
        ({"shard_id": 0}, "both its id and the shard count"),
        ({"shards": "many"}, "number of shards"),
        ({"shards": "0"}, "number of shards"),
        ({"shards": "2", "shard_id": 0, "shard_count": 2}, "not both"),
    ],
)
def test_the_command_refuses_shard_options_that_do_not_fit(options, says):
    with (
        override_settings(CHAT_DISCORD_BOT_TOKEN=BOT_TOKEN),
        pytest.raises(CommandError, match=says),
    ):
        call_command("discord_gateway", **options)


def test_the_command_reads_the_shard_from_the_environment():
    with (
        override_settings(
            CHAT_DISCORD_BOT_TOKEN=BOT_TOKEN, CHAT_DISCORD_SHARD_ID=5, CHAT_DISCORD_SHARD_COUNT=2
        ),
        pytest.raises(CommandError, match="Shard id 5"),
    ):
        call_command("discord_gateway")


async def test_the_command_runs_its_shard_until_stopped(make_discord):
    async with make_discord(max_concurrency=2) as (socket, rest):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "CHAT_DISCORD"))}
        env.update(
            DJANGO_SETTINGS_MODULE="chatproject.settings",
            CHAT_DISCORD_BOT_TOKEN=BOT_TOKEN,
            CHAT_DISCORD_API_URL=rest.url + "/api/v10",
        )
        command = await asyncio.create_subprocess_exec(
            sys.executable,
            "manage.py",
            "discord_gateway",
            "--shard-id",
            "1",
            "--shard-count",
            "2",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await wait_for(lambda: socket.identified, within=60, what="the command identified")
            assert socket.identified[0]["shard"] == [1, 2]
            command.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(command.communicate(), 30)
        finally:
            if command.returncode is None:
                command.kill()
        assert command.returncode == 0, err.decode()
        assert "Connecting to Discord's Gateway" in out.decode()
        assert socket.close_codes == [1000]  # stopped: the session ends with it
