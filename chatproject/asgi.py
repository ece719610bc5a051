"""ASGI entry point: HTTP through Django, websockets through Channels."""

import contextvars
import gc
import os

from django.conf import settings
from django.core.asgi import get_asgi_application

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
from chatproject.health.endpoints import HealthEndpoints  # noqa: E402
from chatproject.origins import SameOriginWebsocketValidator  # noqa: E402
from chatproject.proxies import ClientAddressMiddleware  # noqa: E402
from chatproject.routing import websocket_urlpatterns  # noqa: E402
from chatproject.serving.access_log import access_log_as_records  # noqa: E402
from chatproject.serving.daphne_bodies import limit_daphne_bodies  # noqa: E402
from chatproject.serving.daphne_responses import pace_daphne_responses  # noqa: E402
from chatproject.serving.daphne_shutdown import fix_daphne_shutdown  # noqa: E402
from chatproject.serving.daphne_sweeps import sweep_daphne_connections_by_due_time  # noqa: E402
from chatproject.serving.daphne_writes import write_daphne_sockets_at_once  # noqa: E402
from chatproject.serving.websocket_close import close_websockets_with_a_reason  # noqa: E402
from chatproject.serving.websocket_compression import compress_daphne_websockets  # noqa: E402
from chatproject.url_prefix import UrlPrefix  # noqa: E402

ensure_loaded()
# The first answer after a start should not wait for templates to compile. In a context
# of its own: rendering leaves about thirty context variables set (the URL resolvers'
# re-entrancy guards), and every task copies the context it starts in, and asgiref
# carries each variable across threads on every database call.
contextvars.copy_context().run(warm_up)


fix_daphne_shutdown(
    # A graceful stop: the answers in flight finish (see chat.engine.shutdown) ...
    drain=lambda: drain.drain(settings.CHAT_SHUTDOWN_GRACE_SECONDS),
    # ... and the assistant's @cl.on_app_shutdown runs once the sockets have closed.
    stopped=lifecycle.stopping,
)
compress_daphne_websockets()
write_daphne_sockets_at_once()
sweep_daphne_connections_by_due_time()
limit_daphne_bodies(limit_before_reading, settings.SESSION_COOKIE_NAME)
pace_daphne_responses()
close_websockets_with_a_reason()
if settings.CHAT_LOG_FORMAT == "json":
    access_log_as_records()

# What start-up loaded (Django, the templates, the assistant) lives as long as the process:
# full garbage collections need not walk it again (each took about 70 ms under load).
gc.collect()
gc.freeze()
# A young generation of 50,000 objects, not 700: what a message's handling allocates dies
# young instead of being promoted, and promotions are what start a full collection (each
# walks every socket's objects: 100-300 ms with a thousand open). In bench (g), a thousand
# 200-token answers at once, the full collections went from 9 to 1 and the time spent
# collecting from about 5 s to 1.4 s (chat.engine.full_collections holds the rest back
# while answers start).
gc.set_threshold(50_000, 20, 10)

# Static files: whitenoise, in development too (see settings), compressed.
http_app = LimitRequestBody(django_asgi_app)

# The assistant's @cl.on_app_startup runs before the first request or socket is served.
# Probes and metrics are answered next, before any middleware. Then the client's address
# and scheme are settled (CHAT_TRUSTED_PROXIES), for requests and sockets alike.
application = LifecycleApp(
    HealthEndpoints(
        # The site under CHAT_URL_PREFIX, if set.
        UrlPrefix(
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
        ),
        # A stopping process stays alive but is no longer ready: no new work reaches it.
        draining=lambda: drain.draining,
    )
)
