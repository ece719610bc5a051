"""The Discord Gateway's tests: the fake of Discord's side, the bot's gateway running
against it, and a person linked to a Discord account."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from django.test import override_settings

from chat.models import PlatformAccount
from chat.platforms.discord import gateway
from tests.chat.platforms.discord.fakes import BOT_TOKEN, FakeGateway, FakeRest
from tests.drivers import wait_for
from tests.factories import make_user


@pytest.fixture
def make_discord(conversations) -> Callable[..., Any]:
    """Starts the fakes (Discord's Gateway and REST API) with the bot's settings."""

    def make(**options: Any):
        return _fakes(**options)

    return make


class _fakes:
    def __init__(self, **options: Any) -> None:
        self.options = options

    async def __aenter__(self) -> tuple[FakeGateway, FakeRest]:
        self.socket = await FakeGateway(**self.options).__aenter__()
        self.rest = FakeRest(self.socket).__enter__()
        self.settings = override_settings(
            CHAT_DISCORD_BOT_TOKEN=BOT_TOKEN,
            CHAT_DISCORD_API_URL=self.rest.url + "/api/v10",
            CHAT_PLATFORM_EDIT_SECONDS=0.2,
        )
        self.settings.enable()
        return self.socket, self.rest

    async def __aexit__(self, *exc: Any) -> None:
        self.settings.disable()
        self.rest.__exit__(*exc)
        await self.socket.__aexit__(*exc)


@pytest.fixture
def quick_identify(monkeypatch):
    """Identifies again without Discord's 5 s spacing, or its 1-5 s wait after an invalid
    session: the tests look at what is sent, not at the waiting."""
    monkeypatch.setattr(gateway, "IDENTIFY_SPACING", 0.05)
    monkeypatch.setattr(gateway, "INVALID_SESSION_WAIT", (0.0, 0.05))


class Running:
    """The bot's gateway, running until the test ends."""

    def __init__(self, shards: Any = None) -> None:
        self.stop = asyncio.Event()
        self.task = asyncio.ensure_future(gateway.serve(self.stop, shards))

    async def end(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, timeout=10)


@pytest.fixture
async def run_gateway() -> AsyncIterator[Callable[..., Running]]:
    started: list[Running] = []

    def run(shards: Any = None) -> Running:
        started.append(Running(shards))
        return started[-1]

    yield run
    for running in started:
        if not running.task.done():
            await running.end()


@pytest.fixture
async def discord_gateway(make_discord, run_gateway, quick_identify):
    async with make_discord() as (socket, rest):
        running = run_gateway()
        await wait_for(lambda: socket.sessions, what="the bot identified")
        yield socket, rest
        await running.end()


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
