"""`python manage.py create_secret`: Chainlit's `chainlit create-secret`, for SECRET_KEY.

Django signs sessions, sign-in tokens and password-reset links with SECRET_KEY; production
needs one of its own (with DEBUG off the server refuses to start without it).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand

SECRET_BYTES = 50


class Command(BaseCommand):
    help = "Prints a new random SECRET_KEY to put in the environment (.env)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(
            "Copy this line into your environment (.env). Changing it later signs everyone "
            "out and invalidates links already sent (password resets, copilot tokens)."
        )
        self.stdout.write(f'SECRET_KEY="{secrets.token_urlsafe(SECRET_BYTES)}"')
