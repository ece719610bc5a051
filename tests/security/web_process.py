"""A real web process (daphne, as docker-compose.yml runs it) on the backend of this run,
for probes that depend on the server: the embedded default without REDIS_URL, the
services backend (and its Celery worker) with it."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

from django.conf import settings
from django.test import Client
from django.utils.crypto import get_random_string

from tests.services import Daphne, Worker, service_env, use_queue


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def web_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The test database and settings; REDIS_URL empty on the embedded default, which
    the settings read as unset."""
    with patch.dict(os.environ, {"REDIS_URL": os.environ.get("REDIS_URL", "")}):
        return service_env(tmp, f"chat-test-{uuid.uuid4().hex[:12]}", **extra)


@contextmanager
def web_process(tmp: Path, *, with_worker: bool = False, **extra: str) -> Iterator[Daphne]:
    """daphne on a free port (and, on the services backend, a worker on its own queue)."""
    env = web_env(tmp, **extra)
    server = Daphne(f"web-{uuid.uuid4().hex[:6]}", env, tmp, free_port())
    worker = Worker(env, tmp) if with_worker and env["REDIS_URL"] else None
    previous = use_queue(env["CELERY_QUEUE"]) if worker else None
    try:
        if worker is not None:
            worker.start()
        server.start()
        server.worker = worker  # type: ignore[attr-defined]
        yield server
    finally:
        server.stop()
        if worker is not None:
            worker.stop()
            use_queue(previous)


def signed_in_headers(user) -> dict[str, str]:
    """A browser's headers for `user`: its session, and a CSRF cookie with its token."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    token = get_random_string(32)
    return {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={token}",
        "X-CSRFToken": token,
    }
