"""`python manage.py runchat [app.py] [addr:port] [--reload]`: Chainlit's `chainlit run app.py -w`.

Runs any assistant on the embedded default, migrating first, and prints where to sign in.
"""

from __future__ import annotations

import os
import re
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chat.engine.assistant import AssistantLoadError, load

ADDRPORT = re.compile(r"^(\[[^\]]+\]|[\w.-]*)(:\d+)?$|^\d+$")


class Command(BaseCommand):
    help = "Runs the chat with an assistant (a .py file or a module), like `chainlit run`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", nargs="?", help="assistant file or dotted module path")
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--reload", action="store_true", help="restart when code changes")
        parser.add_argument("--no-demo-user", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        target, addrport = options["target"], options["addrport"]
        if target and ADDRPORT.match(target) and not target.endswith(".py"):
            target, addrport = None, target
        target = target or settings.CHAT_ASSISTANT
        if target.endswith(".py"):
            target = os.path.abspath(target)
        try:
            load(target, force=True)
        except AssistantLoadError as error:
            raise CommandError(str(error)) from error
        # The reloader's child process reads the assistant from the environment.
        os.environ["CHAT_ASSISTANT"] = target
        settings.CHAT_ASSISTANT = target

        call_command("migrate", interactive=False, verbosity=0)
        host, _, port = addrport.rpartition(":")
        url = f"http://{host or '127.0.0.1'}:{port or addrport}/"
        self.stdout.write(self.style.SUCCESS(f"Assistant: {target}"))
        self.stdout.write(self.style.SUCCESS(f"Open {url}"))
        if settings.DEBUG and not options["no_demo_user"]:
            self._demo_user()
        call_command("runserver", addrport, use_reloader=options["reload"])

    def _demo_user(self) -> None:
        User = get_user_model()
        email, password = settings.CHAT_DEMO_USER, settings.CHAT_DEMO_PASSWORD
        user, created = User.objects.get_or_create(email=email)
        if created:
            user.set_password(password)
            user.save()
            self.stdout.write(self.style.SUCCESS(f"Sign in as {email} / {password}"))
        elif user.check_password(password):
            self.stdout.write(self.style.SUCCESS(f"Sign in as {email} / {password}"))
        else:
            self.stdout.write(f"Sign in as {email} (its password was changed) or sign up.")
