"""`python manage.py runchat [app.py] [addr:port] [--reload]`: Chainlit's `chainlit run app.py -w`.

Runs any assistant on the embedded default, migrating first, and prints where to sign in.
With --reload, Django's reloader runs the server in a child process that it restarts when
code changes; the parent only checks the address first, so everything prints once.
"""

from __future__ import annotations

import os
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import autoreload

from chat.devserver.addresses import Address, split_arguments
from chat.devserver.app_folder import enter_app_folder
from chat.devserver.load_failure import LoadFailure
from chat.devserver.server import ChatServer
from chat.engine.assistant import AssistantLoadError, load


class Command(BaseCommand):
    help = "Runs the chat with an assistant (a .py file or a module), like `chainlit run`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", nargs="?", help="assistant file or dotted module path")
        parser.add_argument("addrport", nargs="?", help="address, default 127.0.0.1:8000")
        parser.add_argument("--reload", action="store_true", help="restart when code changes")
        parser.add_argument("--no-demo-user", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        target, addrport = split_arguments(options["target"], options["addrport"])
        try:
            address = Address.parse(addrport)
        except ValueError as error:
            raise CommandError(str(error)) from error
        target = target or settings.CHAT_ASSISTANT
        if target.endswith(".py"):
            target = os.path.abspath(target)
        reload = options["reload"]

        if reload and os.environ.get(autoreload.DJANGO_AUTORELOAD_ENV) != "true":
            # The reloader's parent: its child loads, migrates, prints and serves.
            self._check_address(address)
            call_command(ChatServer(), address.addrport, use_reloader=True)
            return

        # Only the process that serves moves: the reloader's parent restarts its child
        # with the command line as typed, relative to where it was typed.
        enter_app_folder(target)
        failure = self._load(target, keep_serving=reload)
        # What the ASGI application loads (and the jobs' processes, from the environment).
        os.environ["CHAT_ASSISTANT"] = target
        settings.CHAT_ASSISTANT = target
        call_command("migrate", interactive=False, verbosity=0)
        self._check_address(address)
        self.stdout.write(self.style.SUCCESS(f"Assistant: {target}"))
        self.stdout.write(self.style.SUCCESS(f"Open {address.url}"))
        self._admin_and_demo_account(address, demo=settings.DEBUG and not options["no_demo_user"])
        call_command(ChatServer(load_failure=failure), address.addrport, use_reloader=reload)

    def _load(self, target: str, *, keep_serving: bool) -> LoadFailure | None:
        """Loads the assistant. A broken one stops the command, except under the reloader,
        which serves a page saying what failed and restarts once a file is fixed."""
        try:
            load(target, force=True)
        except AssistantLoadError as error:
            if not keep_serving:
                raise CommandError(str(error)) from error
            failure = LoadFailure.of(target, error)
            self.stderr.write(failure.details)
            self.stderr.write(f"The assistant failed to load: {failure.message}")
            self.stderr.write("Waiting for a fix: the server restarts when the file is saved.")
            return failure
        return None

    def _check_address(self, address: Address) -> None:
        reason = address.unavailable()
        if reason is not None:
            raise CommandError(
                f"Cannot serve on {address.addrport}: {reason}. Stop that program or give "
                f"runchat another address, e.g. {address.host}:{address.port + 1}."
            )

    def _admin_and_demo_account(self, address: Address, *, demo: bool) -> None:
        admin = f"{address.url}admin/"
        if not demo:
            self.stdout.write(f"Admin: {admin} (make an account for it: manage.py createsuperuser)")
            return
        refusal = self._demo_refusal(address)
        if refusal is not None:
            # A superuser with a published password must never land in a real database or
            # on a server others can reach.
            self.stdout.write(f"No demo account: {refusal}.")
            self.stdout.write(f"Admin: {admin} (make an account for it: manage.py createsuperuser)")
            return
        User = get_user_model()
        email, password = settings.CHAT_DEMO_USER, settings.CHAT_DEMO_PASSWORD
        user, created = User.objects.get_or_create(email=email)
        if created:
            user.set_password(password)
        if created or user.check_password(password):
            # A local demo only (DEBUG): the same account reviews its chats in the admin.
            user.is_staff = user.is_superuser = True
            user.save()
            # Its address counts as confirmed, so mandatory email verification lets it in.
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            self.stdout.write(self.style.SUCCESS(f"Sign in as {email} / {password}"))
            self.stdout.write(self.style.SUCCESS(f"Admin: {admin} (same account)"))
        else:
            self.stdout.write(f"Sign in as {email} (its password was changed) or sign up.")
            self.stdout.write(f"Admin: {admin} (make an account for it: manage.py createsuperuser)")

    @staticmethod
    def _demo_refusal(address: Address) -> str | None:
        """Why no demo account is made here, or None on a local run: the embedded SQLite
        database, and an address only this machine reaches."""
        if not settings.CHAT_EMBEDDED_DATABASE:
            return "the database is set by DATABASE_URL or POSTGRES_HOST, not the local SQLite"
        if not address.is_loopback:
            return f"{address.host} is reachable from other machines, not only this one"
        return None
