"""`python manage.py discord_gateway`: reads Discord messages and mentions of the bot from
Discord's Gateway and answers them in their channel. Runs until stopped."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Answers Discord messages and mentions of the bot (CHAT_DISCORD_BOT_TOKEN)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CHAT_DISCORD_BOT_TOKEN:
            raise CommandError(
                "The Gateway needs CHAT_DISCORD_BOT_TOKEN, the bot's token (with the Message "
                "Content intent turned on in Discord's developer portal)."
            )
        from chat.platforms.discord import gateway

        async def run() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            self.stdout.write("Connecting to Discord's Gateway…")
            await gateway.serve(stop)

        asyncio.run(run())
