"""Daphne's stop on SIGTERM, made graceful and complete.

On SIGTERM daphne 4.2 cancels every application instance, so that sockets can say
"service restart" (see ChatConsumer.__call__), and waits for them. Two bugs undo it:
it reads details["application_instance"] for every connection, but a finished HTTP
request keeps an entry without one for up to a second (KeyError: nothing is
cancelled); and it waits with a plain gather(), which is done as soon as the first
instance ends cancelled, so the others are cut off mid-close. Either way the pages
saw 1006. Same method without both, waiting at most 10 s. Only under daphne.

And first, a graceful stop (daphne has none, and speaks no ASGI lifespan): stop
listening, so that new sockets go to another instance; let the caller's `drain` finish
the answers in flight; then cancel the rest, and call `stopped`. Twisted runs this
"before shutdown" trigger from its own SIGTERM handler and keeps the loop turning until
it is done.

Checked by `tests/chat/engine/test_shutdown.py` (a real daphne stopped mid-answer: the
answer finishes, the page sees "service restart").
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

from twisted.internet import defer, tcp


def fix_daphne_shutdown(
    *, drain: Callable[[], Awaitable[object]], stopped: Callable[[], Awaitable[object]]
) -> None:
    server_module = sys.modules.get("daphne.server")
    if server_module is None or getattr(server_module.Server, "_chat_fixed", False):
        return
    # Not at the top: importing Twisted's reactor installs the default one, and only under
    # daphne (which installed its own before loading this module) is it the right one.
    from twisted.internet import reactor

    def stop_listening() -> None:
        for reader in reactor.getReaders():
            if isinstance(reader, tcp.Port):
                reader.stopListening()

    def kill_all_applications(self):  # type: ignore[no-untyped-def]
        async def shut_down() -> None:
            stop_listening()
            await drain()
            wait_for = []
            for details in list(self.connections.values()):
                instance = details.get("application_instance")
                if instance is not None and not instance.done():
                    instance.cancel()
                    wait_for.append(instance)
            if wait_for:
                await asyncio.wait(wait_for, timeout=10)
            await stopped()

        return defer.Deferred.fromFuture(asyncio.ensure_future(shut_down()))

    server_module.Server.kill_all_applications = kill_all_applications
    server_module.Server._chat_fixed = True
