"""`python manage.py slack_socket_mode`: the Slack bot over Slack's Socket Mode, for a site
Slack cannot reach (no public URL). Runs until stopped (SIGTERM or Ctrl+C)."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Connects the Slack bot to Slack over Socket Mode (CHAT_SLACK_APP_TOKEN)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CHAT_SLACK_APP_TOKEN or not settings.CHAT_SLACK_BOT_TOKEN:
            raise CommandError(
                "Socket Mode needs CHAT_SLACK_APP_TOKEN (the app-level xapp- token with "
                "connections:write) and CHAT_SLACK_BOT_TOKEN (xoxb-)."
            )
        from chat.platforms.slack import socket_mode

        async def run() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            self.stdout.write("Connecting to Slack over Socket Mode…")
            await socket_mode.serve(stop)

        asyncio.run(run())
