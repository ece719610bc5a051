"""`/healthz`, `/readyz` and `/metrics`, answered before Django sees the request.

Probes hit these every second or so: they skip the middleware (no session is read or
made, no CSRF, no HTTPS redirect, no host check, which a probe addressing the pod by its
IP would fail) and cost no database query, except readiness's own `SELECT 1`.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings

from chatproject.health.checks import Readiness

HEALTHZ = "/healthz"
READYZ = "/readyz"
METRICS = "/metrics"


async def _respond(
    send: Any, status: int, body: bytes, content_type: bytes, head: bool, *extra: tuple
) -> None:
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


async def _json(send: Any, status: int, data: dict, head: bool) -> None:
    await _respond(send, status, json.dumps(data).encode(), b"application/json", head)


def _bearer_token(scope: dict) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer":
                return token.strip()
    return ""


class HealthEndpoints:
    """ASGI wrapper answering the probe and metrics paths; everything else goes on.

    `draining` says whether the process is stopping: then it is alive but not ready, so
    that the load balancer sends no new work while its sockets drain."""

    def __init__(self, app: Any, *, draining: Callable[[], bool] = lambda: False) -> None:
        self.app = app
        self.draining = draining
        self._readiness: Readiness | None = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        if scope["type"] == "http":
            paths = {HEALTHZ: self.healthz, READYZ: self.readyz, METRICS: self.metrics}
            path = scope["path"]
            # At the root for probes and scrapers inside the cluster, and under the prefix
            # for those that come through the site's proxy.
            prefix = settings.CHAT_URL_PREFIX
            if prefix and path.startswith(prefix + "/"):
                path = path[len(prefix) :]
            answer = paths.get(path)
            if answer is not None:
                if scope["method"] not in ("GET", "HEAD"):
                    return await _respond(
                        send, 405, b"", b"text/plain", True, (b"allow", b"GET, HEAD")
                    )
                return await answer(scope, send, scope["method"] == "HEAD")
        return await self.app(scope, receive, send)

    def close(self) -> None:
        """Ends the readiness checks' threads (a test's process outlives its app)."""
        if self._readiness is not None:
            self._readiness.close()
            self._readiness = None

    async def healthz(self, scope: dict, send: Any, head: bool) -> None:
        await _json(send, 200, {"status": "ok"}, head)

    async def readyz(self, scope: dict, send: Any, head: bool) -> None:
        if self.draining():
            return await _json(send, 503, {"status": "draining"}, head)
        if self._readiness is None:
            self._readiness = Readiness()
        results = await self._readiness.check()
        ready = all(results.values())
        body = {
            "status": "ok" if ready else "unavailable",
            "checks": {name: "ok" if ok else "failed" for name, ok in results.items()},
        }
        await _json(send, 200 if ready else 503, body, head)

    async def metrics(self, scope: dict, send: Any, head: bool) -> None:
        token = settings.CHAT_METRICS_TOKEN
        if not token:
            # Off: nothing tells a caller that metrics exist.
            return await _respond(send, 404, b"Not Found", b"text/plain", head)
        if not hmac.compare_digest(_bearer_token(scope).encode(), token.encode()):
            return await _respond(
                send, 401, b"Unauthorized", b"text/plain", head,
                (b"www-authenticate", b'Bearer realm="metrics"'),
            )  # fmt: skip
        from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

        from chat.engine import queue_metrics

        queue_metrics.register()
        # In Django's sync thread: the job counts are a database query.
        body = await sync_to_async(generate_latest)(REGISTRY)
        await _respond(send, 200, body, CONTENT_TYPE_LATEST.encode(), head)
