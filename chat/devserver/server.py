"""Daphne's runserver as `runchat` runs it: the chat or, when the assistant failed to load
under the reloader, its failure page; and a server that could not listen is an error."""

from __future__ import annotations

import os
import sys
from typing import Any

from daphne.management.commands.runserver import Command as DaphneRunserver
from daphne.server import Server
from django.core.management.base import CommandError
from django.utils import autoreload

from chat.devserver.load_failure import LoadFailure, LoadFailureApp


class ChatServer(DaphneRunserver):
    def __init__(self, *args: Any, load_failure: LoadFailure | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.load_failure = load_failure
        self.server: Server | None = None
        if load_failure is not None:
            autoreload.autoreload_started.connect(self._watch_the_failing_files, weak=False)

    def _watch_the_failing_files(self, sender: autoreload.BaseReloader, **kwargs: Any) -> None:
        # A file that failed to import may not be among the modules the reloader watches.
        if self.load_failure is not None:
            sender.extra_files.update(self.load_failure.files)

    def server_cls(self, **kwargs: Any) -> Server:  # type: ignore[override]
        """daphne's runserver builds its server from this; kept to see whether it listened."""
        self.server = Server(**kwargs)
        return self.server

    def get_application(self, options: dict[str, Any]) -> Any:
        if self.load_failure is not None:
            return LoadFailureApp(self.load_failure)
        return super().get_application(options)

    def inner_run(self, *args: Any, **options: Any) -> None:
        super().inner_run(*args, **options)
        if self.server is not None and not self.server.listening_addresses:
            message = (
                f"Could not listen on {self.addr}:{self.port} (see above): "
                "stop what uses it or pick another address."
            )
            if options["use_reloader"]:
                # Here this runs in a thread of the reloader's child: the process ends
                # itself, and the reloader's parent exits with its status.
                self.stderr.write(message)
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(1)
            raise CommandError(message)
