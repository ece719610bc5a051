"""Prints a copilot widget sign-in token for an account (for a host page's data-token)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chat.platforms.copilot.tokens import issue


class Command(BaseCommand):
    help = "Prints a sign-in token of the copilot widget for the account with this email."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"]
        if not get_user_model().objects.filter(email__iexact=email, is_active=True).exists():
            raise CommandError(f"No active account has the address {email}.")
        self.stdout.write(issue(email))
