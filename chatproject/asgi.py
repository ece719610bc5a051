"""ASGI entry point: HTTP through Django, websockets through Channels."""

import asyncio
import contextvars
import gc
import os
import sys

from django.conf import settings
from django.core.asgi import get_asgi_application
from twisted.internet import defer, tcp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")

# Django must be set up before anything imports models (the routing does).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chat.engine.admission import SetupTurns  # noqa: E402
from chat.engine.app_hooks import LifecycleApp, lifecycle  # noqa: E402
from chat.engine.assistant import ensure_loaded  # noqa: E402
from chat.engine.shutdown import drain  # noqa: E402
from chat.rendering.warm_up import warm_up  # noqa: E402
from chatproject.body_limits import LimitRequestBody, limit_before_reading  # noqa: E402
from chatproject.origins import SameOriginWebsocketValidator  # noqa: E402
from chatproject.proxies import ClientAddressMiddleware  # noqa: E402
from chatproject.routing import websocket_urlpatterns  # noqa: E402
from chatproject.serving.daphne_bodies import limit_daphne_bodies  # noqa: E402
from chatproject.serving.websocket_close import close_websockets_with_a_reason  # noqa: E402
from chatproject.serving.websocket_compression import compress_daphne_websockets  # noqa: E402

ensure_loaded()
# The first answer after a start should not wait for templates to compile. In a context
# of its own: rendering leaves about thirty context variables set (the URL resolvers'
# re-entrancy guards), and every task copies the context it starts in, and asgiref
# carries each variable across threads on every database call.
contextvars.copy_context().run(warm_up)


def _fix_daphne_shutdown() -> None:
    """On SIGTERM daphne 4.2 cancels every application instance, so that sockets can say
    "service restart" (see ChatConsumer.__call__), and waits for them. Two bugs undo it:
    it reads details["application_instance"] for every connection, but a finished HTTP
    request keeps an entry without one for up to a second (KeyError: nothing is
    cancelled); and it waits with a plain gather(), which is done as soon as the first
    instance ends cancelled, so the others are cut off mid-close. Either way the pages
    saw 1006. Same method without both, waiting at most 10 s. Only under daphne.

    And first, a graceful stop (daphne has none, and speaks no ASGI lifespan): stop
    listening, so that new sockets go to another instance; let the answers in flight
    finish for CHAT_SHUTDOWN_GRACE_SECONDS; save the rest as interrupted (see
    chat.engine.shutdown). Twisted runs this "before shutdown" trigger from its own
    SIGTERM handler and keeps the loop turning until it is done."""
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
            await drain.drain(settings.CHAT_SHUTDOWN_GRACE_SECONDS)
            wait_for = []
            for details in list(self.connections.values()):
                instance = details.get("application_instance")
                if instance is not None and not instance.done():
                    instance.cancel()
                    wait_for.append(instance)
            if wait_for:
                await asyncio.wait(wait_for, timeout=10)
            # Then the assistant's @cl.on_app_shutdown, once the sockets have closed.
            await lifecycle.stopping()

        return defer.Deferred.fromFuture(asyncio.ensure_future(shut_down()))

    server_module.Server.kill_all_applications = kill_all_applications
    server_module.Server._chat_fixed = True


_fix_daphne_shutdown()
compress_daphne_websockets()
limit_daphne_bodies(limit_before_reading, settings.SESSION_COOKIE_NAME)
close_websockets_with_a_reason()

# What start-up loaded (Django, the templates, the assistant) lives as long as the process:
# full garbage collections need not walk it again (each took about 70 ms under load).
gc.collect()
gc.freeze()

# Static files: whitenoise, in development too (see settings), compressed.
http_app = LimitRequestBody(django_asgi_app)

# The assistant's @cl.on_app_startup runs before the first request or socket is served.
# The client's address and scheme are settled first (CHAT_TRUSTED_PROXIES), for both.
application = LifecycleApp(
    ClientAddressMiddleware(
        ProtocolTypeRouter(
            {
                "http": http_app,
                "websocket": SameOriginWebsocketValidator(
                    SetupTurns(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
                ),
            }
        )
    )
)
