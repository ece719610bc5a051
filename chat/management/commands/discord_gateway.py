"""`python manage.py discord_gateway`: reads Discord messages and mentions of the bot from
Discord's Gateway and answers them in their channel. Runs until stopped.

Sharded bots run one process per shard (--shard-id and --shard-count, or
CHAT_DISCORD_SHARD_ID and CHAT_DISCORD_SHARD_COUNT), or several shards in this one
(--shards N, or --shards auto for the count Discord recommends).
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Answers Discord messages and mentions of the bot (CHAT_DISCORD_BOT_TOKEN)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shard-id", type=int, help="This process's shard (from 0).")
        parser.add_argument("--shard-count", type=int, help="How many shards the bot runs.")
        parser.add_argument(
            "--shards", help="Run this many shards in this process, or 'auto' (Discord's count)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CHAT_DISCORD_BOT_TOKEN:
            raise CommandError(
                "The Gateway needs CHAT_DISCORD_BOT_TOKEN, the bot's token (with the Message "
                "Content intent turned on in Discord's developer portal)."
            )
        from chat.platforms.discord import gateway

        shard_id = options.get("shard_id")
        shard_count = options.get("shard_count")
        if shard_id is None and shard_count is None and options.get("shards") is None:
            shard_id, shard_count = (
                settings.CHAT_DISCORD_SHARD_ID,
                settings.CHAT_DISCORD_SHARD_COUNT,
            )
        try:
            shards = gateway.plan_shards(shard_id, shard_count, options.get("shards"))
        except ValueError as error:
            raise CommandError(str(error)) from None

        async def run() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            self.stdout.write("Connecting to Discord's Gateway…")
            await gateway.serve(stop, shards)

        try:
            asyncio.run(run())
        except gateway.GatewayRefused as refused:
            raise CommandError(str(refused)) from None
